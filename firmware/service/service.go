// Package service writes the systemd unit that runs the agent on a board.
package service

import (
	"fmt"
	"strings"
)

// Options describe the installed agent.
type Options struct {
	Binary string   // the gosling binary, absolute (default /usr/local/bin/gosling)
	Config string   // its configuration file, absolute (default /etc/gosling/agent.toml)
	User   string   // unprivileged user it runs as (default gosling)
	Groups []string // supplementary groups for the hardware (default gpio, dialout)
}

// Unit returns the systemd unit. The service restarts on failure, runs as
// an unprivileged user that reaches the serial port and GPIO through its
// groups, keeps its state files in /var/lib/gosling, and gets the
// hardening options that leave serial and GPIO working.
func Unit(o Options) string {
	if o.Binary == "" {
		o.Binary = "/usr/local/bin/gosling"
	}
	if o.Config == "" {
		o.Config = "/etc/gosling/agent.toml"
	}
	if o.User == "" {
		o.User = "gosling"
	}
	if o.Groups == nil {
		o.Groups = []string{"gpio", "dialout"}
	}
	return fmt.Sprintf(`# gosling agent: an RWKV-7 assistant on the serial port and GPIO buttons.
# Install: /etc/systemd/system/gosling-agent.service, then
#   systemctl daemon-reload && systemctl enable --now gosling-agent
[Unit]
Description=gosling agent (RWKV-7 assistant on serial and GPIO)
After=local-fs.target
# Give up after 10 failed starts in 5 minutes (a broken configuration).
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
Type=simple
ExecStart=%s agent --config %s
Restart=on-failure
RestartSec=5
User=%s
Group=%s
SupplementaryGroups=%s
# /var/lib/gosling, owned by the user: state files (chat.state_out), the
# answers file (output.file), the model if you put it there.
StateDirectory=gosling
WorkingDirectory=/var/lib/gosling
# SIGTERM cuts the current answer, saves the state and releases the pins.
KillSignal=SIGTERM
TimeoutStopSec=30

# Hardening that leaves serial and GPIO working. Left out on purpose:
# PrivateDevices=, DevicePolicy=, DeviceAllow= and ProtectClock= (they
# close /dev/tty*, /dev/gpiochip*, /dev/gpiomem), ProtectKernelTunables=
# (periph's sysfs GPIO driver writes /sys/class/gpio).
NoNewPrivileges=yes
CapabilityBoundingSet=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
# Drop this line for a build with the CUDA back end (the driver maps
# executable memory).
MemoryDenyWriteExecute=yes
# No network: local sockets, and netlink for periph's 1-wire probe.
RestrictAddressFamilies=AF_UNIX AF_NETLINK
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
UMask=0027

[Install]
WantedBy=multi-user.target
`, o.Binary, o.Config, o.User, o.User, strings.Join(o.Groups, " "))
}
