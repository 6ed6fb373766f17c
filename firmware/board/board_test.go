package board_test

import (
	"os"
	"path/filepath"
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
