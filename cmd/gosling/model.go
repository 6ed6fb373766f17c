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
		path:    fs.String("m", "", "model `file` (GGUF)"),
		threads: fs.Int("threads", goruntime.GOMAXPROCS(0), "goroutines that share each matrix product"),
	}
}

// open loads the model named by -m.
func (f modelFlags) open() (*runtime.Model, error) {
	if *f.path == "" {
		return nil, usagef("no model: pass -m MODEL.gguf")
	}
	if *f.threads < 1 {
		return nil, usagef("--threads %d: want at least 1", *f.threads)
	}
	return runtime.Load(*f.path, runtime.Options{Threads: *f.threads})
}
