package bench

import (
	"fmt"
	"io"
)

// WriteText writes the result as gosling bench prints it: a line a
// measure, bandwidths in GB/s (1e9 bytes), sizes in binary units.
func (r *Result) WriteText(w io.Writer) error {
	gb := func(v float64) string { return fmt.Sprintf("%.2f GB/s", v/1e9) }
	fmt.Fprintf(w, "model:        %s  %s  (%s)\n", r.Model, r.Config, r.Types)
	fmt.Fprintf(w, "machine:      %s, %d CPUs, kernels %s, %d threads\n", r.GOARCH, r.CPUs, r.KernelPath, r.Threads)
	if r.Device != "" {
		fmt.Fprintf(w, "device:       %s\n", r.Device)
	}
	if r.PromptTokens > 0 {
		fmt.Fprintf(w, "prefill:      %.1f tokens/s (%d tokens in %.2f s)\n", r.PrefillPerSecond, r.PromptTokens, r.PrefillSeconds)
	}
	if r.DecodeTokens > 0 {
		fmt.Fprintf(w, "decode:       %.1f tokens/s (%d tokens in %.2f s; %.2f ms per token)\n",
			r.DecodePerSecond, r.DecodeTokens, r.DecodeSeconds, 1e3*r.DecodeSeconds/float64(r.DecodeTokens))
		fmt.Fprintf(w, "sampling:     %.2f ms per token (official chat sampler, %d-token vocabulary)\n", 1e3*r.SampleSeconds, r.Vocab)
		fmt.Fprintf(w, "weights read: %s per token of %s → %s implied\n", HumanBytes(r.BytesPerToken), HumanBytes(r.WeightBytes), gb(r.ImpliedBandwidth))
	}
	if r.Bandwidth1 > 0 {
		withN := ""
		if r.BandwidthThreads > 1 {
			withN = fmt.Sprintf(", %s with %d threads", gb(r.BandwidthN), r.BandwidthThreads)
		}
		fmt.Fprintf(w, "memory:       %s with 1 thread%s (%s buffer)\n", gb(r.Bandwidth1), withN, HumanBytes(r.BandwidthBufferBytes))
		if r.ShareOfBandwidth > 0 {
			fmt.Fprintf(w, "share:        %.0f%% of the measured bandwidth\n", 100*r.ShareOfBandwidth)
		}
	}
	fmt.Fprintf(w, "peak memory:  RSS %s running the model (mapped weights included), Go heap %s\n", HumanBytes(r.PeakRSSBytes), HumanBytes(r.PeakHeapBytes))
	if r.PeakRSSWithBufferBytes > 0 {
		_, err := fmt.Fprintf(w, "              RSS %s for the whole run, the memory test's buffer included\n", HumanBytes(r.PeakRSSWithBufferBytes))
		return err
	}
	return nil
}

// HumanBytes is n in the largest binary unit (B, KiB, MiB, GiB) it
// reaches: what gosling's reports print for sizes.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
