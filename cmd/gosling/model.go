package main

import (
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
	opt := runtime.Options{Threads: *f.threads}
	if *f.path == "" {
		if demoModel == nil {
			return nil, usagef("no model: pass -m MODEL.gguf (this binary was built without the demo model)")
		}
		return runtime.LoadImage(demoModel, "built-in demo model", opt)
	}
	return runtime.Load(*f.path, opt)
}
