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
	// Two names that the fla renaming makes one: refused by index, which a
	// target calling only parseSafetensors once reported as a failure.
	f.Add(safetensorsBytes(f, sameNameTensors(), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseSafetensors(data)
		if err == nil {
			err = c.index() // as parse does: names the renaming made equal are refused there
		}
		if err == nil {
			checkTensors(t, c, data)
		}
	})
}

func FuzzPth(f *testing.F) {
	ts, st, keys := smallModel()
	f.Add(zipBytes(f, pthEntries("archive", statePickle(ts, false), st, keys)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parsePth(data)
		if err == nil {
			err = c.index()
		}
		if err == nil {
			checkTensors(t, c, data)
		}
	})
}

// checkTensors re-validates what a parser accepted: every tensor's bytes
// match its shape and dtype, lie inside the file when they are a view of it,
// and convert to as many floats as the shape holds.
func checkTensors(t *testing.T, c *Checkpoint, file []byte) {
	t.Helper()
	names := map[string]bool{}
	for _, tn := range c.Tensors {
		if names[tn.Name] {
			t.Fatalf("%s: listed twice", tn.Name)
		}
		names[tn.Name] = true
		n := 1
		for _, d := range tn.Shape {
			if d < 0 {
				t.Fatalf("%s: shape %v", tn.Name, tn.Shape)
			}
			n *= d
		}
		if len(tn.Data) != n*tn.DType.Size() || tn.DType.Size() == 0 {
			t.Fatalf("%s: %d bytes for shape %v of %v", tn.Name, len(tn.Data), tn.Shape, tn.DType)
		}
		if len(tn.Data) > len(file)*maxDeflateRatio+1024 {
			t.Fatalf("%s: %d bytes of data from a %d-byte file", tn.Name, len(tn.Data), len(file))
		}
		v, err := tn.Float32()
		if err != nil || len(v) != n {
			t.Fatalf("%s: Float32 gives %d values, %v", tn.Name, len(v), err)
		}
	}
}

// sameNameTensors are two safetensors entries that come out under one
// official name: a literal emb.weight and fla's model.embeddings.weight.
func sameNameTensors() []stTensor {
	return []stTensor{
		{"emb.weight", "F32", []int{1}, seq(4)},
		{"model.embeddings.weight", "F32", []int{1}, seq(4)},
	}
}

// The duplicate is refused by Open (through parse), not by the format
// parser the fuzz targets call, which therefore index as parse does.
func TestRenamedDuplicate(t *testing.T) {
	data := safetensorsBytes(t, sameNameTensors(), nil)
	c, err := parseSafetensors(data)
	if err != nil {
		t.Fatalf("parseSafetensors: %v (the duplicate is for index to find)", err)
	}
	wantErr(t, c.index(), "emb.weight appears twice")
	_, err = parse(data, "")
	wantErr(t, err, "emb.weight appears twice")
}
