package serve

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The OpenAI request and response shapes this server speaks: the fields
// it reads and writes, nothing more. Unknown request fields are ignored,
// as OpenAI-compatible servers commonly do.

// samplingParams are the request fields both endpoints share.
type samplingParams struct {
	Model            string             `json:"model"`
	MaxTokens        *int               `json:"max_tokens"`
	Temperature      *float32           `json:"temperature"`
	TopP             *float32           `json:"top_p"`
	PresencePenalty  *float32           `json:"presence_penalty"`
	FrequencyPenalty *float32           `json:"frequency_penalty"`
	Seed             *uint64            `json:"seed"`
	Stop             stopList           `json:"stop"`
	N                *int               `json:"n"`
	Stream           bool               `json:"stream"`
	StreamOptions    *streamOptions     `json:"stream_options"`
	LogitBias        map[string]float32 `json:"logit_bias"`
	// Extensions of the official RWKV sampler.
	TopK         *int     `json:"top_k"`
	PenaltyDecay *float32 `json:"penalty_decay"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type completionRequest struct {
	samplingParams
	Prompt promptField `json:"prompt"`
}

type chatRequest struct {
	samplingParams
	Messages            []chatMessage `json:"messages"`
	MaxCompletionTokens *int          `json:"max_completion_tokens"`
}

type chatMessage struct {
	Role    string      `json:"role"`
	Content contentText `json:"content"`
}

// stopList is "stop": a string or an array of strings.
type stopList []string

func (s *stopList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stopList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("stop: want a string or an array of strings")
	}
	*s = many
	return nil
}

// promptField is "prompt": a string, or an array holding one string.
type promptField struct {
	text string
	set  bool
}

func (p *promptField) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*p = promptField{one, true}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("prompt: want a string (or an array of one string; token arrays are not supported)")
	}
	if len(many) != 1 {
		return fmt.Errorf("prompt: %d prompts in one request; send one", len(many))
	}
	*p = promptField{many[0], true}
	return nil
}

// contentText is a message's "content": a string, or an array of parts of
// which the text parts are joined.
type contentText string

func (c *contentText) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*c = contentText(one)
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("content: want a string or an array of parts")
	}
	var sb strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return fmt.Errorf("content: part of type %q (only text is supported)", p.Type)
		}
		sb.WriteString(p.Text)
	}
	*c = contentText(sb.String())
	return nil
}

// usage is OpenAI's usage object. prompt_tokens_details.cached_tokens is
// OpenAI's own field for prompt tokens served from a cache;
// prompt_tokens_processed (ours) is the rest, the tokens the model read.
type usage struct {
	PromptTokens          int           `json:"prompt_tokens"`
	CompletionTokens      int           `json:"completion_tokens"`
	TotalTokens           int           `json:"total_tokens"`
	PromptTokensDetails   promptDetails `json:"prompt_tokens_details"`
	PromptTokensProcessed int           `json:"prompt_tokens_processed"`
}

type promptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type completionChoice struct {
	Index        int     `json:"index"`
	Text         string  `json:"text"`
	Logprobs     any     `json:"logprobs"`
	FinishReason *string `json:"finish_reason"`
}

type completionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   *usage             `json:"usage,omitempty"`
}

type chatChoice struct {
	Index        int          `json:"index"`
	Message      *chatMessage `json:"message,omitempty"`
	Delta        *chatDelta   `json:"delta,omitempty"`
	Logprobs     any          `json:"logprobs"`
	FinishReason *string      `json:"finish_reason"`
}

type chatDelta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

type chatResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   *usage       `json:"usage,omitempty"`
}

type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}
