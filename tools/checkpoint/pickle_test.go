package checkpoint

import (
	"strings"
	"testing"
)

// A pickle that calls a dangerous global must fail at the GLOBAL, naming it.
func TestPickleRefusesGlobals(t *testing.T) {
	for _, g := range [][2]string{
		{"os", "system"},
		{"posix", "system"},
		{"builtins", "eval"},
		{"__builtin__", "exec"},
		{"subprocess", "Popen"},
		{"torch", "load"},
		{"collections", "defaultdict"},
	} {
		full := g[0] + "." + g[1]
		want := "pickle: global " + full + " is not allowed (a checkpoint must not run code)"
		// GLOBAL form (protocol 2) and STACK_GLOBAL form (protocol 4).
		viaGlobal := (&pk{}).proto().global(g[0], g[1]).str("echo pwned").op(opTuple1, opReduce, opStop).bytes()
		viaStack := (&pk{}).op(opProto, 4).str(g[0]).str(g[1]).op(opStackGlobal).str("echo pwned").op(opTuple1, opReduce, opStop).bytes()
		for _, p := range [][]byte{viaGlobal, viaStack} {
			_, err := unpickle(p)
			if err == nil || err.Error() != want {
				t.Errorf("%s: error %v, want %q", full, err, want)
			}
		}
		// The same through Open, inside an otherwise valid archive: the
		// message still names the global.
		ts, st, keys := smallModel()
		data := zipBytes(t, pthEntries("archive", viaGlobal, st, keys))
		_ = ts
		_, err := openBytes(t, "evil.pth", data)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open %s: error %v", full, err)
		}
	}
}

// A bad global after valid tensors still fails the whole file.
func TestPickleBadGlobalLate(t *testing.T) {
	ts, st, keys := smallModel()
	good := statePickle(ts, false)
	evil := append([]byte(nil), good[:len(good)-2]...) // drop SETITEMS, STOP
	p := &pk{}
	p.b.Write(evil)
	p.op(opSetItems).str("x").global("os", "system").str("rm -rf /").op(opTuple1, opReduce, opSetItem, opStop)
	_, err := openBytes(t, "late.pth", zipBytes(t, pthEntries("archive", p.bytes(), st, keys)))
	wantErr(t, err, "global os.system is not allowed")
}

func TestPickleAllowedGlobalsCannotBeMisused(t *testing.T) {
	cases := []struct {
		name string
		p    []byte
		want string
	}{
		{"calling a storage class", (&pk{}).proto().global("torch", "FloatStorage").op(opEmptyTuple, opReduce, opStop).bytes(), "cannot be called"},
		{"OrderedDict with arguments", (&pk{}).proto().global("collections", "OrderedDict").str("x").op(opTuple1, opReduce, opStop).bytes(), "OrderedDict with 1"},
		{"rebuild with a string storage", (&pk{}).proto().global("torch._utils", "_rebuild_tensor").op(opMark).str("s").int(0).ints([]int{1}).ints([]int{1}).op(opTuple, opReduce, opStop).bytes(), "not a storage"},
		{"calling a non-global", (&pk{}).proto().str("os.system").op(opEmptyTuple, opReduce, opStop).bytes(), "cannot call"},
		{"persistent id of another kind", (&pk{}).proto().op(opMark).str("module").str("x").str("y").str("z").int(1).op(opTuple, opBinPersID, opStop).bytes(), "'storage'"},
		{"BUILD on a global", (&pk{}).proto().global("torch", "Tensor").op(opEmptyDict, opBuild, opStop).bytes(), "BUILD"},
		{"unsupported opcode", []byte{opProto, 2, 'I', '1', '\n', opStop}, "not supported"},
		{"memo never stored", []byte{opProto, 2, opBinGet, 5, opStop}, "never stored"},
		{"stack underflow", []byte{opProto, 2, opTuple2, opStop}, "underflow"},
		{"no mark", []byte{opProto, 2, opTuple, opStop}, "MARK"},
		{"string longer than data", []byte{opProto, 2, opBinUnicode, 0xff, 0xff, 0xff, 0x7f, 'a'}, "1 left"},
		{"huge LONG4", []byte{opProto, 2, opLong4, 0xff, 0xff, 0xff, 0xff}, "too large"},
		{"future protocol", []byte{opProto, 9, opStop}, "protocol"},
		{"empty", nil, "no STOP"},
	}
	for _, tc := range cases {
		_, err := unpickle(tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestPickleValues(t *testing.T) {
	// Integers of every width, including negative LONG1.
	p := (&pk{}).proto().op(opMark).int(7).int(300).int(70000).int(-5).int(1 << 40).int(-1 << 40)
	p.op(opLong1, 0, opNewTrue, opNone, opTuple, opStop)
	v, err := unpickle(p.bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*pyTuple).items
	want := []any{int64(7), int64(300), int64(70000), int64(-5), int64(1 << 40), int64(-1 << 40), int64(0), true, pyNone}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d = %v, want %v", i, got[i], want[i])
		}
	}
	// A list that contains itself must not hang error reporting.
	self := []byte{opProto, 2, opEmptyList, opBinPut, 0, opBinGet, 0, opAppend, opBinGet, 0, opEmptyTuple, opReduce, opStop}
	if _, err := unpickle(self); err == nil || !strings.Contains(err.Error(), "list of 1") {
		t.Errorf("self-referencing list: %v", err)
	}
}

// The OrderedDict a state_dict pickles carries _metadata as BUILD state,
// and torch may wrap tensors in _rebuild_parameter / _rebuild_from_type_v2.
func TestPickleTorchVariants(t *testing.T) {
	storage := func(p *pk) *pk {
		return p.op(opMark).str("storage").global("torch", "HalfStorage").str("0").str("cpu").int(4).op(opTuple, opBinPersID)
	}
	tensorArgs := func(p *pk) *pk {
		return storage(p.op(opMark)).int(0).ints([]int{4}).ints([]int{1}).op(opNewFalse).global("collections", "OrderedDict").op(opEmptyTuple, opReduce, opTuple)
	}
	p := (&pk{}).proto().global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
	// a: a Parameter
	p.str("a").global("torch._utils", "_rebuild_parameter").op(opMark)
	p.global("torch._utils", "_rebuild_tensor_v2")
	tensorArgs(p).op(opReduce).op(opNewTrue).global("collections", "OrderedDict").op(opEmptyTuple, opReduce, opTuple, opReduce, opSetItem)
	// b: _rebuild_from_type_v2(_rebuild_tensor_v2, torch.Tensor, args, {})
	p.str("b").global("torch._tensor", "_rebuild_from_type_v2").op(opMark)
	p.global("torch._utils", "_rebuild_tensor_v2").global("torch", "Tensor")
	tensorArgs(p).op(opEmptyDict, opTuple, opReduce, opSetItem)
	// _metadata state on the dict
	p.op(opEmptyDict).str("_metadata").op(opEmptyDict, opSetItem, opBuild, opStop)
	v, err := unpickle(p.bytes())
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*pyDict)
	if len(d.keys) != 2 || d.keys[0] != "a" || d.keys[1] != "b" {
		t.Fatalf("keys %v", d.keys)
	}
	for i, val := range d.vals {
		tr, ok := val.(*tensorRef)
		if !ok || tr.storage.typ.dtype != F16 || len(tr.size) != 1 || tr.size[0] != 4 {
			t.Errorf("value %d = %s", i, describe(val))
		}
	}
	if d.vals[0].(*tensorRef).storage != d.vals[1].(*tensorRef).storage {
		t.Error("the same storage key should give one storage")
	}
}
