package main

import (
	"context"

	"github.com/gosling-edge/gosling/tools/cli"
)

// interruptSignals delivers SIGINT (Ctrl-C) and SIGTERM (kill, systemd) to
// run and chat; stopSignals those that stop serve. Tests replace them.
var interruptSignals, stopSignals = cli.NotifySignals, cli.NotifySignals

// interruptContext is cancelled by the first signal of interruptSignals,
// with a cli.SignalError as its cause.
func interruptContext() (context.Context, func()) { return cli.InterruptContext(interruptSignals) }
