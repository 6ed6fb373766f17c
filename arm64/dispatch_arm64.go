//go:build !purego

package arm64

func registerAsm() {}
