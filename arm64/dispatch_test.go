package arm64

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestKernelFiles ties the test registry to the code, so that the
// implementation tests run what the package really holds: every exported
// kernel K (every exported function but Path) is in kernels; one that
// kernels lists with no implementation beyond generic just calls its twin
// (a …Generic function) in its own file; any other lives in a triple of
// files k.go, k_arm64.go, k_arm64.s plus k_noasm.go (and k_amd64.go,
// k_amd64.s when it has x86-64 implementations), where
//   - k.go holds K, whose body is one call of the dispatcher d, and d's
//     generic twin dGeneric;
//   - k_arm64.go holds d, which checks useNEON exactly when kernels lists
//     neon for K and useDotProd exactly when it lists neon-dotprod;
//   - k_amd64.go holds d (k_amd64.s its assembly; the quantized MatMul
//     kernels reuse the matvec assembly, and matmul_f_amd64.s also holds
//     the AVX-512 float matvecs), which checks useAVX2 exactly when
//     kernels lists avx2 for K and useAVX512 exactly when it lists
//     avx512-vnni;
//   - k_noasm.go holds a d that calls dGeneric, built wherever no assembly
//     of K is (its build constraint names amd64 exactly when K has it).
func TestKernelFiles(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	funcs := map[string]map[string]*ast.FuncDecl{} // file → name → declaration
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		funcs[name] = map[string]*ast.FuncDecl{}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[name][fd.Name.Name] = fd
			}
		}
	}
	found := 0
	for file, decls := range funcs {
		for name, fd := range decls {
			if !ast.IsExported(name) || name == "Path" {
				continue
			}
			found++
			extra, ok := kernels[name]
			if !ok {
				t.Errorf("%s: exported kernel %s is not in the test registry", file, name)
				continue
			}
			base, ok := strings.CutSuffix(file, ".go")
			if !ok || strings.HasSuffix(base, "_arm64") || strings.HasSuffix(base, "_amd64") || strings.HasSuffix(base, "_noasm") {
				t.Errorf("%s: %s belongs in a file of every architecture", file, name)
				continue
			}
			d := soleCall(fd)
			if len(extra) == 0 {
				// A kernel without assembly calls its twin directly.
				if !strings.HasSuffix(d, "Generic") || decls[d] == nil {
					t.Errorf("%s: %s has no assembly and does not just call its generic twin beside it", file, name)
				}
				continue
			}
			if d == "" || ast.IsExported(d) {
				t.Errorf("%s: %s does not just call its dispatcher", file, name)
				continue
			}
			if decls[d+"Generic"] == nil {
				t.Errorf("%s: no generic twin %sGeneric beside %s", file, d, name)
			}
			hasAMD64 := slices.Contains(extra, implAVX2)
			noasmTag := "//go:build !arm64 || purego"
			if hasAMD64 {
				noasmTag = "//go:build !(arm64 || amd64) || purego"
			}
			if src, err := os.ReadFile(base + "_noasm.go"); err != nil || !strings.HasPrefix(string(src), noasmTag+"\n") {
				t.Errorf("%s: %s_noasm.go does not start with %q", name, base, noasmTag)
			}
			if noasm := funcs[base+"_noasm.go"][d]; noasm == nil || soleCall(noasm) != d+"Generic" {
				t.Errorf("%s: %s_noasm.go has no %s that calls %sGeneric", name, base, d, d)
			}
			for _, arch := range []struct {
				suffix string
				want   bool
				flags  map[string]string // flag → implementation it selects
			}{
				{"_arm64", true, map[string]string{"useNEON": implNEON, "useDotProd": implNEONDotProd, "useAVX2": "", "useAVX512": ""}},
				{"_amd64", hasAMD64, map[string]string{"useAVX2": implAVX2, "useAVX512": implAVX512, "useNEON": "", "useDotProd": ""}},
			} {
				_, errS := os.Stat(base + arch.suffix + ".s")
				disp := funcs[base+arch.suffix+".go"][d]
				if !arch.want {
					if errS == nil || disp != nil {
						t.Errorf("%s: %s%s.go/.s exist but the test registry lists no %s implementation", name, base, arch.suffix, arch.suffix[1:])
					}
					continue
				}
				// The amd64 MatMul kernels are Go over the matvec
				// assembly and have no .s of their own.
				if errS != nil && (arch.suffix == "_arm64" || !strings.HasPrefix(name, "MatMul")) {
					t.Errorf("%s: %v", name, errS)
				}
				if disp == nil {
					t.Errorf("%s: %s%s.go has no dispatcher %s", name, base, arch.suffix, d)
					continue
				}
				got := map[string]bool{}
				ast.Inspect(disp.Body, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok {
						if _, ok := arch.flags[id.Name]; ok {
							got[id.Name] = true
						}
					}
					return true
				})
				for flag, impl := range arch.flags {
					if w := impl != "" && slices.Contains(extra, impl); got[flag] != w {
						t.Errorf("%s: %s%s checks %s: %v, the test registry says %v", name, d, arch.suffix, flag, got[flag], w)
					}
				}
			}
		}
	}
	if found != len(kernels) {
		t.Errorf("%d exported kernels, %d in the test registry", found, len(kernels))
	}
}

// soleCall returns the name of the function fd's body calls when that call
// is all it does, and "" otherwise.
func soleCall(fd *ast.FuncDecl) string {
	if fd.Body == nil || len(fd.Body.List) != 1 {
		return ""
	}
	var x ast.Expr
	switch st := fd.Body.List[0].(type) {
	case *ast.ExprStmt:
		x = st.X
	case *ast.ReturnStmt: // a kernel with a result: return f(...)
		if len(st.Results) != 1 {
			return ""
		}
		x = st.Results[0]
	default:
		return ""
	}
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return ""
	}
	if id, ok := call.Fun.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func TestPathFollowsFlags(t *testing.T) {
	defer resetImpl()
	for impl, want := range map[string]string{implGeneric: "generic", implNEON: "neon", implNEONDotProd: "neon+dotprod", implAVX2: "avx2", implAVX512: "avx512-vnni"} {
		if !offered(impl) {
			continue
		}
		selectImpl(impl)
		if p := Path(); p != want {
			t.Errorf("%s selected: Path() = %q, want %q", impl, p, want)
		}
	}
	resetImpl()
	t.Logf("path %s", Path())
}

// TestLogImplementations prints what this CPU runs (go test -v), handy in
// CI logs under each QEMU_CPU.
func TestLogImplementations(t *testing.T) {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(kernels)) {
		b.WriteString(k + "=" + currentImpl(k) + " ")
	}
	t.Logf("QEMU_CPU=%q path=%s: %s", qemuCPU(), Path(), b.String())
}
