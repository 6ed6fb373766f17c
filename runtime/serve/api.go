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
	Messages            []chatMessage   `json:"messages"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Tools               []toolSpec      `json:"tools"`
	ToolChoice          *toolChoice     `json:"tool_choice"`
	ResponseFormat      *responseFormat `json:"response_format"`
}

type chatMessage struct {
	Role       string      `json:"role"`
	Content    contentText `json:"content"`
	ToolCalls  []toolCall  `json:"tool_calls,omitempty"`
	ToolCallID string      `json:"tool_call_id,omitempty"`
}

// replyMessage is the assistant's message in a response: content is null
// when the reply is only a call.
type replyMessage struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
}

// toolSpec is an entry of "tools".
type toolSpec struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
		Strict      *bool           `json:"strict"`
	} `json:"function"`
}

// toolCall is a call in a message, or a streamed piece of one (index set,
// the other fields only in the first piece).
type toolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// toolChoice is "tool_choice": "auto", "none", "required", or
// {"type": "function", "function": {"name": …}}.
type toolChoice struct {
	mode string // auto, none, required
	name string // a named function (mode required)
}

func (c *toolChoice) UnmarshalJSON(b []byte) error {
	var mode string
	if err := json.Unmarshal(b, &mode); err == nil {
		switch mode {
		case "auto", "none", "required":
			c.mode = mode
			return nil
		}
		return &fieldError{"tool_choice", fmt.Sprintf("%q: want auto, none, required or {\"type\": \"function\", \"function\": {\"name\": …}}", mode)}
	}
	var named struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &named); err != nil || named.Type != "function" || named.Function.Name == "" {
		return &fieldError{"tool_choice", "want auto, none, required or {\"type\": \"function\", \"function\": {\"name\": …}}"}
	}
	c.mode, c.name = "required", named.Function.Name
	return nil
}

// responseFormat is "response_format".
type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict *bool           `json:"strict"`
	} `json:"json_schema"`
}

// fieldError is a request field's error from the decoders below: its
// message starts with the field's name.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

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
		return &fieldError{"stop", "want a string or an array of strings"}
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
		return &fieldError{"prompt", "want a string (or an array of one string; token arrays are not supported)"}
	}
	if len(many) != 1 {
		return &fieldError{"prompt", fmt.Sprintf("%d prompts in one request; send one", len(many))}
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
		return &fieldError{"messages.content", "want a string or an array of parts"}
	}
	var sb strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return &fieldError{"messages.content", fmt.Sprintf("part of type %q (only text is supported)", p.Type)}
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
	Index        int           `json:"index"`
	Message      *replyMessage `json:"message,omitempty"`
	Delta        *chatDelta    `json:"delta,omitempty"`
	Logprobs     any           `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

type chatDelta struct {
	Role      string     `json:"role,omitempty"`
	Content   *string    `json:"content,omitempty"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
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
