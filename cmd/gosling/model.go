package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/cli"
)

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	path    *string
	threads *int
}

func addModelFlags(fs *flag.FlagSet) modelFlags {
	return modelFlags{
		path:    fs.String("m", "", "model `file` (GGUF; default: the built-in demo model)"),
		threads: fs.Int("threads", 0, "goroutines that share each matrix product (0 = one per core)"),
	}
}

// open loads the model named by -m.
func (f modelFlags) open() (*runtime.Model, error) {
	if *f.threads < 0 {
		return nil, cli.Usagef("--threads %d: want ≥ 0 (0 = one per core)", *f.threads)
	}
	m, _, err := loadModel(*f.path, *f.threads)
	switch {
	case errors.Is(err, errNoDemoModel):
		return nil, cli.Usagef("no model: pass -m MODEL.gguf (%v)", err)
	case errors.Is(err, quant.ErrNotGGUF):
		return nil, fmt.Errorf("%w; a .pth or .safetensors checkpoint must be converted first: gosling convert %s -o MODEL.gguf", err, *f.path)
	}
	return m, err
}

// openOn loads the model named by -m and prepares it on the --device
// (backend nil: the CPU). closeAll closes both, the device first.
func openOn(mf modelFlags, df deviceFlags) (m *runtime.Model, backend runtime.Backend, closeAll func(), err error) {
	if m, err = mf.open(); err != nil {
		return nil, nil, nil, err
	}
	if backend, err = df.open(m); err != nil {
		m.Close()
		return nil, nil, nil, err
	}
	return m, backend, func() {
		if backend != nil {
			backend.Close()
		}
		m.Close()
	}, nil
}

const demoModelName = "built-in demo model"

// demoModelID is the built-in demo model's id: what ModelID returns for it.
const demoModelID = "gosling-demo"

// ModelID names the model loaded from path ("" = the built-in demo) where
// a short id is wanted: serve's banner, /v1/models and responses, bench's
// report, chat's banner. It is the file's base name without its extension,
// or demoModelID.
func ModelID(path string) string {
	if path == "" {
		return demoModelID
	}
	base := filepath.Base(path)
	if id := strings.TrimSuffix(base, filepath.Ext(base)); id != "" {
		return id
	}
	return base
}

var errNoDemoModel = errors.New("this binary was built without the demo model")

// loadModel loads the GGUF file at path, or the built-in demo model for
// path "" (errNoDemoModel in a build without one). name is what was
// loaded: the path or demoModelName. threads 0 means one per core.
func loadModel(path string, threads int) (m *runtime.Model, name string, err error) {
	if threads == 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	opt := runtime.Options{Threads: threads}
	if path == "" {
		if demoModel == nil {
			return nil, "", errNoDemoModel
		}
		m, err = runtime.LoadImage(demoModel, demoModelName, opt)
		return m, demoModelName, err
	}
	m, err = runtime.Load(path, opt)
	return m, path, err
}
