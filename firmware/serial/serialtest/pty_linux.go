//go:build linux

package serialtest

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// open is posix_openpt + grantpt + unlockpt + ptsname, written out: the
// master comes from /dev/ptmx, TIOCSPTLCK unlocks the slave and TIOCGPTN
// names it.
func open() (*PTY, error) {
	if _, err := os.Stat("/dev/ptmx"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: opening /dev/ptmx: %v", ErrUnavailable, err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("unlocking the pseudo-terminal: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("naming the pseudo-terminal: %w", err)
	}
	// Raw from the start (termios ioctls on the master act on the slave),
	// so bytes written before the code under test opens the slave are not
	// echoed or translated by the default line discipline.
	if t, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		t.Iflag &^= unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
		unix.IoctlSetTermios(fd, unix.TCSETS, t)
	}
	return &PTY{Master: os.NewFile(uintptr(fd), "/dev/ptmx"), SlavePath: fmt.Sprintf("/dev/pts/%d", n)}, nil
}
