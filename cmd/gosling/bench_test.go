package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBench(t *testing.T) {
	model := smallModel(t, "11")
	out := mustRun(t, "bench", "-m", model, "--prompt", "40", "--tokens", "8", "--bw-mb", "16", "--threads", "2", "--json")
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	for _, k := range []string{"prefill_tokens_per_second", "decode_tokens_per_second", "weight_bytes_per_token",
		"implied_bandwidth_bytes_per_second", "memory_bandwidth_1_thread_bytes_per_second",
		"memory_bandwidth_n_threads_bytes_per_second", "share_of_measured_bandwidth", "peak_rss_bytes", "peak_heap_bytes"} {
		if v, ok := r[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want > 0", k, r[k])
		}
	}
	if r["prompt_tokens"].(float64) != 40 || r["decode_tokens"].(float64) != 8 || r["threads"].(float64) != 2 || r["kernel_path"] == "" {
		t.Errorf("result %s", out)
	}
	// Weights read per token: everything but the embedding, plus one row.
	if per, all := r["weight_bytes_per_token"].(float64), r["weight_bytes"].(float64); per >= all {
		t.Errorf("bytes per token %v of %v", per, all)
	}
	text := mustRun(t, "bench", "-m", model, "--prompt", "0", "--tokens", "4", "--bw-mb", "0")
	for _, want := range []string{"decode:", "weights read:", "peak memory:"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "prefill:") || strings.Contains(text, "\nmemory:") {
		t.Errorf("skipped stages reported:\n%s", text)
	}
	// One thread: one figure, said once; two: both, each with its count.
	text = mustRun(t, "bench", "-m", model, "--prompt", "0", "--tokens", "1", "--bw-mb", "16", "--threads", "1")
	if !strings.Contains(text, " GB/s with 1 thread (16.0 MiB buffer)") || !strings.Contains(text, "the memory test's buffer included") {
		t.Errorf("one thread:\n%s", text)
	}
	text = mustRun(t, "bench", "-m", model, "--prompt", "0", "--tokens", "1", "--bw-mb", "16", "--threads", "2")
	if !strings.Contains(text, " GB/s with 2 threads (") {
		t.Errorf("two threads:\n%s", text)
	}
}

// The built-in model has an id of its own (not the "." of filepath.Base("")),
// and a file is named by its base name without the extension.
func TestBenchNamesTheModel(t *testing.T) {
	text := mustRun(t, "bench", "--prompt", "0", "--tokens", "1", "--bw-mb", "0")
	if !strings.Contains(text, "model:        "+demoModelID+"  ") {
		t.Errorf("demo model not named %s:\n%s", demoModelID, text)
	}
	if got := ModelID("/x/y/rwkv7-0.1b.gguf"); got != "rwkv7-0.1b" {
		t.Errorf("ModelID = %q", got)
	}
}
