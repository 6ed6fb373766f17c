package service_test

import (
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/firmware/service"
)

func TestUnit(t *testing.T) {
	u := service.Unit(service.Options{Binary: "/opt/bin/gosling", Config: "/etc/x.toml"})
	for _, want := range []string{
		"ExecStart=/opt/bin/gosling agent --config /etc/x.toml\n",
		"Restart=on-failure\n", "User=gosling\n", "SupplementaryGroups=gpio dialout\n",
		"NoNewPrivileges=yes\n", "StateDirectory=gosling\n", "WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	// Options that would cut the agent off its devices must stay out.
	for _, line := range strings.Split(u, "\n") {
		for _, bad := range []string{"PrivateDevices=", "DevicePolicy=", "DeviceAllow=", "ProtectClock=", "ProtectKernelTunables="} {
			if strings.HasPrefix(line, bad) {
				t.Errorf("unit sets %s", line)
			}
		}
	}
	// Every line is a section, a key=value, a comment or blank.
	for _, line := range strings.Split(u, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "[") && !strings.Contains(line, "=") {
			t.Errorf("not a unit line: %q", line)
		}
	}
}
