package service_test

import (
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/firmware/service"
)

func ExampleUnit() {
	u := service.Unit(service.Options{User: "assistant"})
	for _, line := range strings.Split(u, "\n") {
		if strings.HasPrefix(line, "ExecStart=") || strings.HasPrefix(line, "User=") || strings.HasPrefix(line, "Supplementary") {
			fmt.Println(line)
		}
	}
	// Output:
	// ExecStart=/usr/local/bin/gosling agent --config /etc/gosling/agent.toml
	// User=assistant
	// SupplementaryGroups=gpio dialout
}
