package agent_test

import (
	"math"
	"testing"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
)

// The agent's configuration accepts exactly the sampling settings that
// runtime.SamplerOptions.Validate does (the rule of run, chat and serve):
// one rule, however the options arrive.
func TestConfigSamplingMatchesSamplerValidate(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		set  func(s *config.Sampling)
	}{
		{"defaults", func(*config.Sampling) {}},
		{"greedy", func(s *config.Sampling) { s.Temperature = 0 }},
		{"temperature -1", func(s *config.Sampling) { s.Temperature = -1 }},
		{"temperature 101", func(s *config.Sampling) { s.Temperature = 101 }},
		{"temperature NaN", func(s *config.Sampling) { s.Temperature = nan }},
		{"top_p 1.5", func(s *config.Sampling) { s.TopP = 1.5 }},
		{"top_p NaN", func(s *config.Sampling) { s.TopP = nan }},
		{"top_k -1", func(s *config.Sampling) { s.TopK = -1 }},
		{"presence 200", func(s *config.Sampling) { s.Presence = 200 }},
		{"presence -100", func(s *config.Sampling) { s.Presence = -100 }},
		{"frequency -200", func(s *config.Sampling) { s.Frequency = -200 }},
		{"frequency NaN", func(s *config.Sampling) { s.Frequency = nan }},
		{"penalty_decay 2", func(s *config.Sampling) { s.PenaltyDecay = 2 }},
		{"penalty_decay 0", func(s *config.Sampling) { s.PenaltyDecay = 0 }},
	} {
		cfg := config.Default()
		cfg.Serial.Enabled, cfg.Serial.Device = true, "/dev/ttyS0"
		c.set(&cfg.Sampling)
		cfgErr := cfg.Validate(board.Generic)
		samplerErr := agent.ModelConfig(cfg, "m").Sampler.Validate()
		if (cfgErr == nil) != (samplerErr == nil) {
			t.Errorf("%s: configuration says %v, the sampler %v", c.name, cfgErr, samplerErr)
		}
	}
}
