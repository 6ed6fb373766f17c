package board_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gosling-edge/gosling/firmware/board"
)

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ model, id string }{
		// As the files hold them: NUL-terminated.
		{"Raspberry Pi 4 Model B Rev 1.4\x00", "pi4"},
		{"Raspberry Pi 400 Rev 1.0\x00", "pi4"},
		{"Raspberry Pi Compute Module 4 Rev 1.1\x00", "pi4"},
		{"Raspberry Pi 5 Model B Rev 1.0\x00", "pi5"},
		{"Raspberry Pi 500 Rev 1.0\x00", "pi5"},
		{"NVIDIA Jetson Orin Nano Developer Kit\x00", "jetson-orin"},
		{"NVIDIA Jetson AGX Orin Developer Kit\x00", "jetson-orin"},
		{"NVIDIA Jetson Orin NX Engineering Reference Developer Kit\x00", "jetson-orin"},
		{"Raspberry Pi 3 Model B Plus Rev 1.3\x00", "generic"},
		{"NVIDIA Jetson Nano Developer Kit\x00", "generic"},
		{"", "generic"},
	} {
		path := filepath.Join(dir, "model")
		if err := os.WriteFile(path, []byte(tc.model), 0o644); err != nil {
			t.Fatal(err)
		}
		p := board.Detect(path)
		if p.ID != tc.id {
			t.Errorf("%q: detected %s, want %s", tc.model, p.ID, tc.id)
		}
		if want := tc.model; len(want) > 0 && p.Model != want[:len(want)-1] {
			t.Errorf("%q: model %q, NUL not trimmed?", tc.model, p.Model)
		}
	}
	if p := board.Detect(filepath.Join(dir, "absent")); p.ID != "generic" || p.Serial == "" {
		t.Errorf("no model file: %+v", p)
	}
}

func TestProfiles(t *testing.T) {
	for _, id := range board.IDs() {
		p, err := board.ByID(id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Serial == "" || p.Name == "" || p.Notes == "" {
			t.Errorf("%s: incomplete profile %+v", id, p)
		}
		if id != "generic" && (len(p.Buttons) == 0 || p.Abort == "" || p.BusyLED == "") {
			t.Errorf("%s: no default pins", id)
		}
	}
	if _, err := board.ByID("pi3"); err == nil {
		t.Error("unknown board accepted")
	}
}

func TestOpenPinUnknown(t *testing.T) {
	// This machine has no pin by that name, whatever drivers load.
	if _, err := board.OpenPin("GPIO-NOT-A-PIN"); err == nil {
		t.Error("a pin that does not exist opened")
	}
}

// A board's default pins are all different: two roles on one pin would
// make the example configuration fail its own validation on that board.
func TestDefaultPinsDistinct(t *testing.T) {
	for _, id := range board.IDs() {
		p, _ := board.ByID(id)
		seen := map[string]string{}
		use := func(role, pin string) {
			if prev, ok := seen[pin]; ok {
				t.Errorf("%s: %s and %s share pin %s", id, prev, role, pin)
			}
			seen[pin] = role
		}
		for i, b := range p.Buttons {
			use(fmt.Sprintf("button %d", i), b)
		}
		if id != "generic" {
			use("abort", p.Abort)
			use("busy LED", p.BusyLED)
			for _, role := range board.ToolRoles() {
				if p.ToolPins[role] == "" {
					t.Errorf("%s: no default pin for tool role %s", id, role)
				}
			}
		}
		for role, pin := range p.ToolPins {
			if !slices.Contains(board.ToolRoles(), role) {
				t.Errorf("%s: tool pin role %q is not in ToolRoles", id, role)
			}
			use("tool "+role, pin)
		}
	}
}

// The profiles handed out are copies: changing one changes no other.
func TestProfileIsACopy(t *testing.T) {
	p, _ := board.ByID("pi4")
	p.Buttons[0] = "X"
	p.ToolPins["led"] = "X"
	q, _ := board.ByID("pi5")
	r := board.Match("Raspberry Pi 4 Model B")
	for _, o := range []board.Profile{q, r} {
		if o.Buttons[0] == "X" || o.ToolPins["led"] == "X" {
			t.Errorf("%s: changed through another profile: %v %v", o.ID, o.Buttons, o.ToolPins)
		}
	}
}
