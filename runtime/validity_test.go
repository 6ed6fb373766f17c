package runtime_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/grammar"
	"github.com/gosling-edge/gosling/runtime/internal/jsonvalid"
	"github.com/gosling-edge/gosling/tools/synth"
)

// validityN is the number of generations per schema and model of
// TestGenerateValidity. The acceptance count of issue 16 is 1000:
//
//	go test -run GenerateValidity -validity.n=1000 -timeout 2h -v ./runtime/
//
// The default keeps `go test ./...` (and its run under qemu) short.
var validityN = flag.Int("validity.n", 0, "generations per schema and model in TestGenerateValidity (0: 1)")

// validityFirst is the first seed, so that a count can be split across
// processes or machines: -validity.first=501 -validity.n=500 is the second
// half of the 1000.
var validityFirst = flag.Uint64("validity.first", 1, "the first seed of TestGenerateValidity")

// validityMaxTokens is far above the longest output any schema of
// testdata/schemas allows but one (list.json, a recursive list, which
// stops with probability about a half at each cell), so that a cut by
// the token limit means a generation that went wrong, not a short budget.
const validityMaxTokens = 2000

// TestGenerateValidity: under each JSON schema of testdata/schemas, seeded
// generations at temperature 1 with the full distribution (top-p 1) by the
// demo model and by a random-weight model with the World vocabulary all
// end on their own, with one JSON value that validates against the schema,
// checked by an independent validator (internal/jsonvalid). None may be
// cut by the token limit: the grammar, not the budget, must end them.
func TestGenerateValidity(t *testing.T) {
	n := *validityN
	if n <= 0 {
		// One per schema and model: the arm64 suite runs this under qemu
		// twice, where the random model's sampling is slow.
		n = 1
	}
	files, err := filepath.Glob("testdata/schemas/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("want at least 10 schemas in testdata/schemas, found %d (%v)", len(files), err)
	}
	type schema struct {
		name string
		gr   *grammar.Grammar
		vd   *jsonvalid.Validator
	}
	var schemas []schema
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		gr, err := grammar.CompileJSONSchema(src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vd, err := jsonvalid.New(src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		schemas = append(schemas, schema{strings.TrimSuffix(filepath.Base(f), ".json"), gr, vd})
	}

	models := []struct{ name, path, prompt string }{
		// The random model has the World vocabulary (65,536 tokens, so the
		// masks are the real trie's) and is kept tiny elsewhere; its logits
		// are near uniform, which drives the grammar into every corner.
		{"random", synthModel(t, synth.Shape{Layers: 1, Embd: 64, Vocab: 65536, FFN: 128}, quant.TypeF16), "{"},
	}
	if _, err := os.Stat(demoModelPath); err == nil {
		models = append(models, struct{ name, path, prompt string }{"demo", demoModelPath,
			"User: Answer with one JSON value.\n\nAssistant:"})
	} else {
		t.Logf("no demo model at %s: only the random one", demoModelPath)
	}
	for _, mc := range models {
		t.Run(mc.name, func(t *testing.T) {
			t.Parallel()
			m := load(t, mc.path, 1)
			base := m.NewState()
			logits, err := m.NewGenerator(nil, runtime.SamplerOptions{}).Feed(context.Background(), base, m.Tokenizer.Encode([]byte(mc.prompt)), nil)
			if err != nil {
				t.Fatal(err)
			}
			logits = slices.Clone(logits)
			for _, sc := range schemas {
				t.Run(sc.name, func(t *testing.T) {
					// The schemas run in parallel, each with a generator of
					// its own: the full count is CPU-bound and embarrassingly
					// parallel.
					t.Parallel()
					g := m.NewGenerator(nil, runtime.SamplerOptions{Temperature: 1, TopP: 1})
					s := m.NewState()
					var out []byte
					emit := func(b []byte) error { out = append(out, b...); return nil }
					t0 := time.Now()
					truncated, tokens := 0, 0
					distinct := map[string]bool{}
					for i := range uint64(n) {
						seed := *validityFirst + i
						s.CopyFrom(base)
						g.SetSampler(runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: seed})
						out = out[:0]
						st, err := g.Generate(context.Background(), s, nil, logits,
							runtime.GenerateOptions{MaxTokens: validityMaxTokens, Grammar: sc.gr}, emit)
						if err != nil {
							t.Fatalf("seed %d: %v", seed, err)
						}
						tokens += st.GeneratedTokens
						if st.StopReason == runtime.StopMaxTokens {
							truncated++
							t.Errorf("seed %d: cut by the limit of %d tokens: %.200q...", seed, validityMaxTokens, out)
							continue
						}
						if st.StopReason != runtime.StopEndOfText {
							t.Fatalf("seed %d: stopped by %q", seed, st.StopReason)
						}
						if err := sc.vd.Validate(out); err != nil {
							t.Fatalf("seed %d: %q does not validate: %v", seed, out, err)
						}
						distinct[string(out)] = true
					}
					t.Logf("%d generations valid, %d cut by the limit, %d distinct, %.1f tokens each, %v",
						n-truncated, truncated, len(distinct), float64(tokens)/float64(n), time.Since(t0).Round(time.Millisecond))
					// Sampling at temperature 1 must vary the output: a
					// generator stuck on one value would validate trivially.
					if n >= 10 && len(distinct) < 2 {
						t.Errorf("%d generations, all the same", n)
					}
				})
			}
		})
	}
}

// demoModelPath is the demo model that cmd/gosling embeds.
const demoModelPath = "../cmd/gosling/demo.gguf"
