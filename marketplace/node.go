package marketplace

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Node is this medmarket process as its users and peers know it. Each data
// directory is one node with its own store, keystore and chain state.
type Node struct {
	// Name is a human label chosen by the operator (a clinic, a research
	// team); shown in the UI and, later, in listings' provider metadata.
	Name string `json:"name"`
	// Created is when the data directory was first opened; never changes.
	Created time.Time `json:"created"`
	// Starts counts how often the node has been opened, including this time.
	Starts int `json:"starts"`
}

// MaxNodeNameLen bounds a node name in characters.
const MaxNodeNameLen = 64

// Validate reports whether the node's fields are acceptable.
func (n Node) Validate() error {
	return ValidateNodeName(n.Name)
}

// ValidateNodeName checks a node name: optional, at most MaxNodeNameLen
// characters, printable, no leading or trailing space.
func ValidateNodeName(name string) error {
	if !utf8.ValidString(name) {
		return Errorf(EINVALID, "Node name: not valid UTF-8.")
	}
	if n := utf8.RuneCountInString(name); n > MaxNodeNameLen {
		return Errorf(EINVALID, "Node name: %d characters, at most %d allowed.", n, MaxNodeNameLen)
	}
	if strings.TrimSpace(name) != name {
		return Errorf(EINVALID, "Node name: remove the leading or trailing spaces.")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return Errorf(EINVALID, "Node name: control characters are not allowed.")
		}
	}
	return nil
}
