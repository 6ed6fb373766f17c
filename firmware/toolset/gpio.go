package toolset

import (
	"context"
	"errors"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/buttons"
	"github.com/gosling-edge/gosling/firmware/config"
)

// levelValues are a gpio tool's two values, for low then high.
type levelValues [2]any

func valuesOf(c *config.Tool) (levelValues, error) {
	if len(c.Values) != 2 || c.Values[0] == c.Values[1] {
		return levelValues{}, fmt.Errorf("values %v: want two different values, for low then high", c.Values)
	}
	return levelValues{c.Values[0], c.Values[1]}, nil
}

// param is the value argument with these values as its enum.
func (v levelValues) param(description string) param {
	p := param{name: "value", description: description, enum: []any{v[0], v[1]}, required: true}
	switch v[0].(type) {
	case string:
		p.typ = "string"
	case int64:
		p.typ = "integer"
	case bool:
		p.typ = "boolean"
	}
	return p
}

// of is the value for a level.
func (v levelValues) of(l gpio.Level) any {
	if l == gpio.High {
		return v[1]
	}
	return v[0]
}

// buildGPIOWrite: argument value (one of two, for low then high), and
// pulse_ms (1 to max_pulse) if the configuration allows the model to
// choose a pulse. A pulse sets the level, waits, and restores the level
// the pin had before.
func buildGPIOWrite(t *Tool, c *config.Tool, open func() (gpio.PinIO, error), clock Clock) error {
	vals, err := valuesOf(c)
	if err != nil {
		return err
	}
	pin, err := open()
	if err != nil {
		return err
	}
	pulse, maxPulse := c.Pulse.Duration, c.MaxPulse.Duration
	desc := fmt.Sprintf("%s sets the output low, %s high", enumList(vals[:1]), enumList(vals[1:]))
	if pulse > 0 {
		desc += fmt.Sprintf(", for %v, then restores it", pulse)
	}
	t.params = []param{vals.param(desc)}
	if maxPulse > 0 {
		t.params = append(t.params, param{name: "pulse_ms", typ: "integer", min: 1, max: maxPulse.Milliseconds(),
			description: "optional: hold the value this many milliseconds, then restore the previous one"})
	}
	t.act = func(ctx context.Context, a args, dry bool) (map[string]any, error) {
		v := a["value"]
		level := gpio.Level(v == vals[1])
		d := pulse
		if ms, ok := a["pulse_ms"].(int64); ok {
			d = time.Duration(ms) * time.Millisecond
		}
		res := map[string]any{"value": v}
		if d > 0 {
			res["pulse_ms"] = d.Milliseconds()
		}
		if dry {
			return res, nil
		}
		if d == 0 {
			if err := pin.Out(level); err != nil {
				return nil, fmt.Errorf("pin %s: %w", pin, err)
			}
			return res, nil
		}
		before := pin.Read()
		if err := pin.Out(level); err != nil {
			return nil, fmt.Errorf("pin %s: %w", pin, err)
		}
		slept := clock.Sleep(ctx, d)
		// Restore even when the wait was cut: a pulse never leaves the
		// pin at its pulse level.
		if err := pin.Out(before); err != nil {
			return nil, fmt.Errorf("pin %s: restoring %v: %w", pin, before, err)
		}
		if slept != nil {
			return nil, fmt.Errorf("pulse cut short, pin restored: %w", slept)
		}
		res["restored"] = vals.of(before)
		return res, nil
	}
	return nil
}

// buildGPIORead: no arguments; the result is the level as one of the two
// values. The pin is configured as an input (with its pull) at the first
// call, not at start, so that a dry run never configures it.
func buildGPIORead(t *Tool, c *config.Tool, open func() (gpio.PinIO, error)) error {
	vals, err := valuesOf(c)
	if err != nil {
		return err
	}
	pull, err := buttons.ParsePull(c.Pull)
	if err != nil {
		return err
	}
	pin, err := open()
	if err != nil {
		return err
	}
	configured := false
	t.act = func(ctx context.Context, a args, dry bool) (map[string]any, error) {
		if !dry && !configured {
			if err := pin.In(pull, gpio.NoEdge); err != nil {
				return nil, fmt.Errorf("pin %s: %w", pin, err)
			}
			configured = true
		}
		return map[string]any{"value": vals.of(pin.Read())}, nil
	}
	return nil
}

// buildPWM: argument duty, an integer percent from min_duty to max_duty,
// at the configured frequency.
func buildPWM(t *Tool, c *config.Tool, open func() (gpio.PinIO, error)) error {
	if c.MaxDuty == nil {
		return errors.New("max_duty unset (config.Validate fills it)")
	}
	lo, hi := int64(c.MinDuty), int64(*c.MaxDuty)
	if lo < 0 || hi > 100 || lo > hi {
		return fmt.Errorf("duty range %d..%d: want within 0..100", lo, hi)
	}
	f, err := config.ParseFrequency(c.Frequency)
	if err != nil {
		return err
	}
	pin, err := open()
	if err != nil {
		return err
	}
	t.params = []param{{name: "duty", typ: "integer", min: lo, max: hi, required: true,
		description: "duty cycle in percent"}}
	t.act = func(ctx context.Context, a args, dry bool) (map[string]any, error) {
		pct := a["duty"].(int64)
		res := map[string]any{"duty": pct, "frequency": f.String()}
		if dry {
			return res, nil
		}
		if err := pin.PWM(gpio.Duty(int64(gpio.DutyMax)*pct/100), f); err != nil {
			return nil, fmt.Errorf("pin %s: %w", pin, err)
		}
		return res, nil
	}
	return nil
}
