package toolset_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/toolset"
)

// validate is an independent check of args against a tool's schema, by
// encoding/json and the schema's own JSON: what Call accepts must pass it,
// and what passes it (once written without duplicate keys) Call must accept.
func validate(schemaJSON, argsJSON []byte) error {
	var schema struct {
		Properties map[string]struct {
			Type    string
			Enum    []any
			Minimum *int64
			Maximum *int64
		}
		Required []string
	}
	if err := json.Unmarshal(schemaJSON, &schema); err != nil {
		return fmt.Errorf("schema: %v", err)
	}
	if len(bytes.TrimSpace(argsJSON)) == 0 {
		argsJSON = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(argsJSON))
	d.UseNumber()
	var a map[string]any
	if err := d.Decode(&a); err != nil || a == nil {
		return fmt.Errorf("not an object: %v", err)
	}
	if d.More() {
		return errors.New("trailing data")
	}
	for _, r := range schema.Required {
		if _, ok := a[r]; !ok {
			return fmt.Errorf("%s missing", r)
		}
	}
	for k, v := range a {
		p, ok := schema.Properties[k]
		if !ok {
			return fmt.Errorf("%s not in the schema", k)
		}
		switch p.Type {
		case "string":
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%s: not a string", k)
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				return fmt.Errorf("%s: not a boolean", k)
			}
		case "integer":
			n, ok := v.(json.Number)
			if !ok {
				return fmt.Errorf("%s: not a number", k)
			}
			i, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return fmt.Errorf("%s: not an integer literal", k)
			}
			if p.Minimum != nil && i < *p.Minimum || p.Maximum != nil && i > *p.Maximum {
				return fmt.Errorf("%s: out of range", k)
			}
			v = float64(i) // as the schema's enum decodes
		}
		if p.Enum != nil && !slices.Contains(p.Enum, v) {
			return fmt.Errorf("%s: not in the enum", k)
		}
	}
	return nil
}

// FuzzArguments: no input makes a tool panic or act outside its schema.
func FuzzArguments(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"value":"on"}`, `{"value":"on","pulse_ms":1500}`, `{"value":1}`,
		`{"value":true}`, `{"duty":50}`, `{"action":"start","unit":"pump"}`, `{"value":"on","value":"off"}`,
		`{"value":"on"} x`, `{"duty":5e1}`, `{"duty":-0}`, `{"value":"o\u006e"}`, `[1]`, `{"a":{"b":[]}}`} {
		f.Add(s)
	}
	r := newRig(f, led+`max_pulse = "2s"
[[tool]]
name = "flag"
kind = "gpio_write"
description = "Flag."
pin = "relay"
values = [false, true]
[[tool]]
name = "num"
kind = "gpio_write"
description = "Number."
pin = "GPIO6"
values = [0, 1]
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan."
pin = "pwm"
min_duty = 20
max_duty = 80
frequency = "25kHz"
[[tool]]
name = "pump"
kind = "command"
description = "Pump."
argv = ["/usr/bin/systemctl", "{action}", "{unit}"]
[[tool.param]]
name = "action"
enum = ["start", "stop"]
[[tool.param]]
name = "unit"
enum = ["pump", "fan"]
`, true)
	f.Fuzz(func(t *testing.T, in string) {
		for _, info := range r.set.List() {
			r.clock.now = r.clock.now.Add(time.Hour) // never rate limited
			_, err := r.call(t, info.Name, in)
			verr := validate(info.Schema, []byte(in))
			switch {
			case err == nil && verr != nil:
				t.Fatalf("%s accepted %q, which the schema refuses: %v", info.Name, in, verr)
			case err != nil && !errors.Is(err, toolset.ErrArguments):
				t.Fatalf("%s(%q): %v, not an argument error", info.Name, in, err)
			case err != nil && verr == nil:
				// encoding/json takes the last of duplicate keys, which
				// Call refuses; the same arguments written once pass.
				var a map[string]any
				d := json.NewDecoder(bytes.NewReader([]byte(in)))
				d.UseNumber()
				d.Decode(&a)
				canon, _ := json.Marshal(a)
				if len(bytes.TrimSpace([]byte(in))) == 0 {
					canon = nil
				}
				if _, err := r.call(t, info.Name, string(canon)); err != nil {
					t.Fatalf("%s refused %s (from %q), which the schema allows: %v", info.Name, canon, in, err)
				}
			}
		}
	})
}
