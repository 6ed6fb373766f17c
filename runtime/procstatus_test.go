package runtime_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// residentSet is the process's resident memory from /proc/self/status,
// in bytes.
type residentSet struct {
	VmRSS, RssAnon, RssFile uint64
}

// procStatus reads the resident set sizes of this process; ok is false
// where /proc/self/status cannot be read (not Linux).
func procStatus() (r residentSet, ok bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return r, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			r.VmRSS = kb << 10
		case "RssAnon":
			r.RssAnon = kb << 10
		case "RssFile":
			r.RssFile = kb << 10
		}
	}
	return r, true
}
