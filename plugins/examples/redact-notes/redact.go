package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
)

// RedactNotes replaces identifier-like spans in free text with a tag:
// e-mail addresses, URLs, phone and social security numbers, dates, long
// numbers (record or account numbers) and titled names ("Dr. Smith").
type RedactNotes struct {
	// Columns to redact; empty means every column whose name says free
	// text (note, notes, comment, description, text, narrative, remarks).
	Columns []string `json:"columns,omitempty"`
	// Tag replaces each span (default "[REDACTED]").
	Tag string `json:"tag,omitempty"`
}

var noteNames = []string{"note", "notes", "comment", "comments", "description", "text", "narrative", "remarks", "free_text"}

var patterns = []*regexp.Regexp{
	regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`),
	regexp.MustCompile(`\bhttps?://\S+`),
	regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`),
	regexp.MustCompile(`\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b`),
	regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b`),
	regexp.MustCompile(`\b\d{5,}\b`),
	regexp.MustCompile(`\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.? [A-Z][a-z]+(?: [A-Z][a-z]+)?`),
}

var schema = json.RawMessage(`{"type":"object","properties":{"columns":{"type":"array","items":{"type":"string"}},"tag":{"type":"string"}},"additionalProperties":false}`)

// Describe implements anonymize.Transform.
func (r *RedactNotes) Describe() anonymize.Descriptor {
	return anonymize.Descriptor{Name: "redact-notes", Version: "1.0.0", Scope: anonymize.ScopeRow,
		Summary: "redact e-mails, URLs, phone numbers, SSNs, dates, long numbers and titled names in free-text columns", ConfigSchema: schema,
		Scrubber: true}
}

// Redact returns s with every identifier-like span replaced by the tag.
func (r *RedactNotes) Redact(s string) string {
	tag := r.Tag
	if tag == "" {
		tag = "[REDACTED]"
	}
	for _, p := range patterns {
		s = p.ReplaceAllString(s, tag)
	}
	return s
}

// Apply implements anonymize.Transform.
func (r *RedactNotes) Apply(ctx context.Context, t *anonymize.Table) (*anonymize.Table, error) {
	names := r.Columns
	if len(names) == 0 {
		for _, c := range t.Columns {
			if slices.Contains(noteNames, strings.ToLower(c.Name)) {
				names = append(names, c.Name)
			}
		}
	}
	cols := slices.Clone(t.Columns)
	for _, name := range names {
		i := t.Index(name)
		if i < 0 {
			return nil, fmt.Errorf("redact-notes: no column %q: %w", name, anonymize.ErrInvalid)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := t.Columns[i].MapValues(r.Redact)
		c.Applied = append(slices.Clip(c.Applied), "redact-notes")
		cols[i] = c
	}
	return t.WithColumns(cols), nil
}
