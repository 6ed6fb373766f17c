//go:build nodemo

package main

// demoModel is absent in builds with -tags nodemo.
var demoModel []byte
