package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/tools/testenv"
)

// The import graph of the binary: what README.md's "How it fits together"
// says gosling links, and nothing of the development programs and test
// helpers that live beside the libraries (tools/README.md).

const modulePath = "github.com/gosling-edge/gosling"

// shippedBuilds are the builds whose graphs are checked: both
// architectures, with and without the CUDA back end, and the purego and
// nodemo variants, which change no import today and must not start to
// unnoticed.
var shippedBuilds = []build{
	{"amd64", ""}, {"amd64", "cuda"}, {"amd64", "nodemo"},
	{"arm64", ""}, {"arm64", "cuda"}, {"arm64", "purego"},
}

type build struct{ goarch, tags string }

func (b build) String() string {
	if b.tags == "" {
		return "linux/" + b.goarch
	}
	return "linux/" + b.goarch + " -tags " + b.tags
}

type listedPackage struct {
	path, name string
	imports    []string
}

// listCache keeps go list's answers for the run of this test binary: the
// tests below ask the same questions.
var listCache = map[string][]listedPackage{}

// goList runs `go list` in the module root for build b.
func goList(t *testing.T, b build, args ...string) []listedPackage {
	t.Helper()
	key := b.String() + " " + strings.Join(args, " ")
	if pkgs, ok := listCache[key]; ok {
		return pkgs
	}
	testenv.SkipProcessesUnderEmulation(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		// go test puts its own go on PATH; a test binary run some other
		// way may not have one.
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is needed to list the import graph: %v", err)
		}
		t.Skipf("skipping: no go command to list the import graph (%v)", err)
	}
	full := []string{"list", "-f", "{{.ImportPath}}\t{{.Name}}\t{{join .Imports \" \"}}"}
	if b.tags != "" {
		full = append(full, "-tags", b.tags)
	}
	full = append(full, args...)
	cmd := exec.Command(goTool, full...)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+b.goarch, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: go %s: %v\n%s", b, strings.Join(full, " "), err, stderr.String())
	}
	var pkgs []listedPackage
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("%s: unexpected go list line %q", b, line)
		}
		pkgs = append(pkgs, listedPackage{path: f[0], name: f[1], imports: strings.Fields(f[2])})
	}
	listCache[key] = pkgs
	return pkgs
}

// local returns a package path of this module relative to the module root.
func local(path string) (string, bool) {
	return strings.CutPrefix(path, modulePath+"/")
}

// binaryDeps lists the packages linked into gosling in build b, and checks
// that the list looks like one (it holds the runtime).
func binaryDeps(t *testing.T, b build) []listedPackage {
	t.Helper()
	deps := goList(t, b, "-deps", "./cmd/gosling")
	if !slices.ContainsFunc(deps, func(p listedPackage) bool { return p.path == modulePath+"/runtime" }) {
		t.Fatalf("%s: go list -deps ./cmd/gosling does not list the runtime: %d packages", b, len(deps))
	}
	return deps
}

// TestDevelopmentCodeStaysOut fails when a development program (any package
// main but cmd/gosling, such as tools/soak or tools/insncount) or a test
// helper (a package that imports testing, such as tools/fixtures) is
// linked into gosling, or package testing itself, whose flags would then
// be the binary's.
func TestDevelopmentCodeStaysOut(t *testing.T) {
	dev := map[string]string{}
	for _, p := range goList(t, build{"amd64", ""}, "./...") {
		switch {
		case p.name == "main" && p.path != modulePath+"/cmd/gosling":
			dev[p.path] = "a development program"
		case slices.Contains(p.imports, "testing"):
			dev[p.path] = "a test helper"
		}
	}
	if len(dev) == 0 {
		t.Fatal("no development program or test helper found in the module: the check below would check nothing")
	}
	dev["testing"] = "the standard library's test framework"
	for _, b := range shippedBuilds {
		deps := binaryDeps(t, b)
		importers := map[string][]string{}
		for _, p := range deps {
			for _, imp := range p.imports {
				importers[imp] = append(importers[imp], p.path)
			}
		}
		for _, p := range deps {
			if why, ok := dev[p.path]; ok {
				t.Errorf("%s: gosling links %s, %s, imported by %s", b, p.path, why, strings.Join(importers[p.path], ", "))
			}
		}
	}
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// TestReadmeImportGraph checks the package table of README.md's "How it
// fits together" against the binary's graph: one row for every package of
// this module that gosling links (cmd/gosling aside), and in its last
// column every package of this module it imports in any shipped build.
func TestReadmeImportGraph(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const heading = "## How it fits together\n"
	_, section, ok := strings.Cut(string(readme), heading)
	if !ok {
		t.Fatalf("README.md has no %q section", strings.TrimSpace(heading))
	}
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		name := codeSpan.FindStringSubmatch(cells[0])
		if len(cells) < 3 || name == nil {
			t.Fatalf("README.md: table row %q: want | `package` | job | `import` `import` … or — |", line)
		}
		var imports []string
		for _, m := range codeSpan.FindAllStringSubmatch(cells[len(cells)-1], -1) {
			imports = append(imports, m[1])
		}
		sort.Strings(imports)
		documented[name[1]] = imports
	}
	if len(documented) == 0 {
		t.Fatal("README.md: no package table in \"How it fits together\"")
	}

	linked := map[string]map[string]bool{}
	for _, b := range shippedBuilds {
		for _, p := range binaryDeps(t, b) {
			pkg, ok := local(p.path)
			if !ok || pkg == "cmd/gosling" {
				continue
			}
			if linked[pkg] == nil {
				linked[pkg] = map[string]bool{}
			}
			for _, imp := range p.imports {
				if imp, ok := local(imp); ok {
					linked[pkg][imp] = true
				}
			}
		}
	}
	for pkg, imps := range linked {
		var want []string
		for imp := range imps {
			want = append(want, imp)
		}
		sort.Strings(want)
		have, ok := documented[pkg]
		switch {
		case !ok:
			t.Errorf("README.md: gosling links %s (imports %s), which the table lacks", pkg, list(want))
		case !slices.Equal(have, want):
			t.Errorf("README.md: the table says %s imports %s; it imports %s", pkg, list(have), list(want))
		}
	}
	for pkg := range documented {
		if linked[pkg] == nil {
			t.Errorf("README.md: the table lists %s, which gosling does not link", pkg)
		}
	}
}

func list(pkgs []string) string {
	if len(pkgs) == 0 {
		return "nothing of this module"
	}
	return fmt.Sprint(pkgs)
}
