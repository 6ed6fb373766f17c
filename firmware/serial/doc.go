// Package serial is the serial side of the board: raw tty ports opened with
// termios (Open), a device that is reopened when it disappears and comes
// back (Device), and the line editor of the serial console (LineReader).
//
// Ports are plain termios through golang.org/x/sys/unix rather than a serial
// library: the agent needs only raw mode and a standard baud rate, and a
// non-blocking descriptor handed to os.NewFile joins Go's poller, so reads
// and writes take deadlines and Close wakes a blocked Read — which is what
// lets the agent notice an unplugged adapter and shut down cleanly.
package serial
