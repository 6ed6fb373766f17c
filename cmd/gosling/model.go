package main

import (
	"errors"
	"flag"
	goruntime "runtime"

	"github.com/gosling-edge/gosling/runtime"
)

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	path    *string
	threads *int
}

func addModelFlags(fs *flag.FlagSet) modelFlags {
	return modelFlags{
		path:    fs.String("m", "", "model `file` (GGUF; default: the built-in demo model)"),
		threads: fs.Int("threads", goruntime.GOMAXPROCS(0), "goroutines that share each matrix product"),
	}
}

// open loads the model named by -m.
func (f modelFlags) open() (*runtime.Model, error) {
	if *f.threads < 1 {
		return nil, usagef("--threads %d: want at least 1", *f.threads)
	}
	m, _, err := loadModel(*f.path, *f.threads)
	if errors.Is(err, errNoDemoModel) {
		return nil, usagef("no model: pass -m MODEL.gguf (%v)", err)
	}
	return m, err
}

const demoModelName = "built-in demo model"

var errNoDemoModel = errors.New("this binary was built without the demo model")

// loadModel loads the GGUF file at path, or the built-in demo model for
// path "" (errNoDemoModel in a build without one). name is what was
// loaded: the path or demoModelName.
func loadModel(path string, threads int) (m *runtime.Model, name string, err error) {
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
