package checkpoint

import "testing"

// Run with: go test ./tools/checkpoint/ -fuzz FuzzUnpickle (or FuzzSafetensorsHeader, FuzzPth).
// Errors are fine; panics, hangs and huge allocations are not.

func FuzzUnpickle(f *testing.F) {
	ts, _, _ := smallModel()
	f.Add(statePickle(ts, false))
	f.Add(statePickle(ts, true))
	f.Add((&pk{}).proto().global("os", "system").str("ls").op(opTuple1, opReduce, opStop).bytes())
	f.Add([]byte{opProto, 4, opFrame, 9, 0, 0, 0, 0, 0, 0, 0, opEmptyList, opMemoize, opMark, opBinGet, 0, opAppends, opStop})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := unpickle(data)
		if err == nil {
			describe(v)
		}
	})
}

func FuzzSafetensorsHeader(f *testing.F) {
	f.Add(safetensorsBytes(f, flaTensors(), nil))
	f.Add(safetensorsBytes(f, []stTensor{{"blocks.0.att.w1", "F32", []int{2, 1}, seq(8)}}, nil))
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseSafetensors(data)
		if err == nil {
			for _, tn := range c.Tensors {
				if len(tn.Data) != tn.NumElements()*tn.DType.Size() {
					t.Fatalf("%s: %d bytes for shape %v", tn.Name, len(tn.Data), tn.Shape)
				}
			}
		}
	})
}

func FuzzPth(f *testing.F) {
	ts, st, keys := smallModel()
	f.Add(zipBytes(f, pthEntries("archive", statePickle(ts, false), st, keys)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parsePth(data)
		if err == nil {
			for _, tn := range c.Tensors {
				if len(tn.Data) != tn.NumElements()*tn.DType.Size() {
					t.Fatalf("%s: %d bytes for shape %v", tn.Name, len(tn.Data), tn.Shape)
				}
			}
		}
	})
}
