package toolset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/firmware/config"
)

// maxSensorFile bounds a sensor read: sysfs values are a line, a w1_slave
// file two; anything longer is not a sensor.
const maxSensorFile = 4096

// buildSensor: no arguments; the result is the number in the file, times
// the scale plus the offset, rounded to 6 decimals (so that 48312 × 0.001
// reads 48.312, not 48.312000000000005), with its unit.
func buildSensor(t *Tool, c *config.Tool) error {
	if c.Scale == nil {
		return errors.New("scale unset (config.Validate fills it)")
	}
	scale, offset, path, format, unit := *c.Scale, c.Offset, c.Path, c.SensorFormat(), c.Unit
	if format != "number" && format != "w1_slave" {
		return fmt.Errorf("format %q: want number or w1_slave", format)
	}
	t.act = func(ctx context.Context, a args, dry bool) (map[string]any, error) {
		raw, err := readSensor(path, format)
		if err != nil {
			return nil, err
		}
		v := math.Round((raw*scale+offset)*1e6) / 1e6
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("%s: %v × %v + %v is out of range", path, raw, scale, offset)
		}
		res := map[string]any{"value": v}
		if unit != "" {
			res["unit"] = unit
		}
		return res, nil
	}
	return nil
}

// readSensor reads the raw number from a sensor file.
func readSensor(path, format string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSensorFile+1))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxSensorFile {
		return 0, fmt.Errorf("%s: longer than %d bytes: not a sensor value", path, maxSensorFile)
	}
	v, err := ParseReading(format, b)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// decimal is a number as sysfs writes one: no hex, no "inf", no "nan".
var decimal = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// ParseReading reads the raw number of a sensor file's contents b:
//
//   - number: the whole file is one decimal number, as in sysfs
//     (/sys/class/thermal/thermal_zone0/temp holds "48312\n", millidegrees);
//
//   - w1_slave: a 1-wire DS18B20's file, two lines, the first ending in
//     the CRC check (YES, or NO for a garbled read), the second in t= and
//     the temperature in millidegrees:
//
//     72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
//     72 01 4b 46 7f ff 0e 10 57 t=23125
func ParseReading(format string, b []byte) (float64, error) {
	s := strings.TrimSpace(string(b))
	switch format {
	case "number":
	case "w1_slave":
		lines := strings.Split(s, "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], "crc=") {
			return 0, fmt.Errorf("%q: not a w1_slave reading (want a crc= line and a t= line)", clipString(s))
		}
		if !strings.HasSuffix(strings.TrimSpace(lines[0]), " YES") {
			return 0, fmt.Errorf("%q: the sensor's CRC check failed (a bad read: wiring, pull-up, or a long cable)", clipString(lines[0]))
		}
		i := strings.LastIndex(lines[1], " t=")
		if i < 0 {
			return 0, fmt.Errorf("%q: no t= field", clipString(lines[1]))
		}
		s = lines[1][i+3:]
	default:
		return 0, fmt.Errorf("format %q: want number or w1_slave", format)
	}
	if !decimal.MatchString(s) {
		return 0, fmt.Errorf("%q is not a number", clipString(s))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number in range", clipString(s))
	}
	return v, nil
}

// clipString keeps a quoted file's contents short in an error.
func clipString(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
