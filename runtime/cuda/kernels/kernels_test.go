package kernels

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// TestSourcesMatchPTX fails when a CUDA source changed after the PTX was
// generated: run gen.sh (needs nvcc) and commit the result.
func TestSourcesMatchPTX(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.cu", "*.cuh"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no CUDA sources found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		want, ok := sourceHashes[f]
		switch {
		case !ok:
			t.Errorf("%s is not recorded in sources_gen.go: run gen.sh", f)
		case hex.EncodeToString(sum[:]) != want:
			t.Errorf("%s changed since its PTX was generated: run gen.sh", f)
		}
	}
	for f := range sourceHashes {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("sources_gen.go records %s, which is gone: run gen.sh", f)
		}
	}
}

var entryRE = regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(`)

// TestPTXWellFormed checks what the driver needs before it compiles: the
// ISA version that the oldest supported driver accepts, the target, 64-bit
// addresses, and every entry point that runtime/cuda calls.
func TestPTXWellFormed(t *testing.T) {
	for _, m := range Modules() {
		p := m.PTX
		if len(p) < 100 || p[len(p)-1] != 0 || bytes.IndexByte(p[:len(p)-1], 0) >= 0 {
			t.Errorf("%s: want non-empty text with one trailing NUL", m.Name)
			continue
		}
		for _, dir := range []string{"\n.version 7.4\n", "\n.target sm_80\n", "\n.address_size 64\n"} {
			if !bytes.Contains(p, []byte(dir)) {
				t.Errorf("%s: missing directive %q", m.Name, dir[1:len(dir)-1])
			}
		}
		have := map[string]bool{}
		for _, e := range entryRE.FindAllSubmatch(p, -1) {
			have[string(e[1])] = true
		}
		for _, e := range m.Entries {
			if !have[e] {
				t.Errorf("%s: no entry point %s", m.Name, e)
			}
		}
		if len(have) != len(m.Entries) {
			t.Errorf("%s: %d entry points in the PTX, %d listed", m.Name, len(have), len(m.Entries))
		}
	}
}
