package mailparse

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders HTML as plain text with its line structure, using the
// x/net/html tokenizer (streaming, so deeply nested markup costs no stack):
// block elements and <br> end lines, list items get "- " or "1. ", table
// rows become lines with cells separated by a space, <blockquote> lines are
// prefixed with "> " so quote handling sees them, and <head>, <style>,
// <script>, <title> and <template> are skipped, and so is text a reader
// does not see (see visibility). The output stops at limit
// bytes (truncated is then true), because markup can expand: every line
// inside nested blockquotes gets a prefix.
func htmlToText(src string, limit int) (text string, truncated bool) {
	z := html.NewTokenizer(strings.NewReader(src))
	t := textBuilder{limit: limit}
	skip := 0          // depth inside skipped elements
	pre := 0           // depth inside <pre>
	var lists []int    // per open list: -1 for <ul>, else the next number
	cellInRow := false // a cell was already written in this row
	var vis visibility
	for {
		if t.b.Len() > t.limit {
			return truncateUTF8(t.String(), t.limit), true
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return t.String(), false
		case html.TextToken:
			if skip > 0 || vis.hidden() {
				continue
			}
			t.text(string(z.Text()), pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if skipped(a) {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if a == atom.Body {
				skip = 0 // an unclosed <head> ends here
			}
			if skip > 0 {
				continue
			}
			// As in browsers, "/>" does not close an element that is not
			// void: <span style="display:none"/> hides what follows.
			tag := string(name)
			vis.closeImplied(tag)
			vis.push(tag, tagAttrs(z, hasAttr))
			if vis.hidden() {
				// A hidden element still ends the line, but writes nothing.
				if breaksLine(a) {
					t.endLine()
				}
				continue
			}
			switch a {
			case atom.Br:
				t.newline()
			case atom.Pre:
				t.endLine()
				pre++
			case atom.Blockquote:
				t.endLine()
				t.quote++
			case atom.Ul:
				t.endLine()
				lists = append(lists, -1)
			case atom.Ol:
				t.endLine()
				lists = append(lists, 1)
			case atom.Li:
				t.endLine()
				if n := len(lists); n > 0 && lists[n-1] > 0 {
					t.text(strconv.Itoa(lists[n-1])+". ", true)
					lists[n-1]++
				} else {
					t.text("- ", true)
				}
			case atom.Tr:
				t.endLine()
				cellInRow = false
			case atom.Td, atom.Th:
				if cellInRow {
					t.space()
				}
				cellInRow = true
			case atom.Hr:
				t.endLine()
			default:
				if isBlock(a) {
					t.endLine()
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped(a) {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			if vis.pop(string(name)) {
				if breaksLine(a) {
					t.endLine()
				}
				continue
			}
			switch a {
			case atom.Pre:
				if pre > 0 {
					pre--
				}
				t.endLine()
			case atom.Blockquote:
				t.endLine()
				if t.quote > 0 {
					t.quote--
				}
			case atom.Ul, atom.Ol:
				if len(lists) > 0 {
					lists = lists[:len(lists)-1]
				}
				t.endLine()
			case atom.Tr, atom.Li:
				t.endLine()
			default:
				if isBlock(a) {
					t.endLine()
				}
			}
		}
	}
}

// tagAttrs returns the attributes visibility reads (hidden, style, color,
// bgcolor), names lower case.
func tagAttrs(z *html.Tokenizer, more bool) [][2]string {
	var out [][2]string
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch key := string(k); key {
		case "hidden", "style", "color", "bgcolor":
			out = append(out, [2]string{key, string(v)})
		}
	}
	return out
}

// maxQuotePrefix bounds the "> " written per line for nested blockquotes.
const maxQuotePrefix = 3

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func skipped(a atom.Atom) bool {
	switch a {
	case atom.Head, atom.Style, atom.Script, atom.Title, atom.Template, atom.Noscript:
		return true
	}
	return false
}

// breaksLine reports whether an element starts and ends a line.
func breaksLine(a atom.Atom) bool {
	switch a {
	case atom.Pre, atom.Blockquote, atom.Ul, atom.Ol, atom.Li, atom.Tr, atom.Hr:
		return true
	}
	return isBlock(a)
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Nav, atom.Aside, atom.Main,
		atom.Dl, atom.Dt, atom.Dd, atom.Address, atom.Center, atom.Form, atom.Fieldset,
		atom.Figure, atom.Figcaption, atom.Caption, atom.Tbody, atom.Thead, atom.Tfoot:
		return true
	}
	return false
}

// textBuilder accumulates rendered text: whitespace collapses outside <pre>,
// lines get the current quote prefix, and runs of blank lines collapse to one.
type textBuilder struct {
	b       strings.Builder
	limit   int
	quote   int
	lineLen int  // bytes written on the current line after the prefix
	blanks  int  // consecutive empty lines just written
	pending bool // a collapsed space is due before the next word
}

func (t *textBuilder) String() string {
	return strings.TrimRight(t.b.String(), "\n ") + "\n"
}

func (t *textBuilder) prefix() {
	if t.lineLen == 0 && t.quote > 0 {
		// A few levels are enough to tell quoted text from new text.
		t.b.WriteString(strings.Repeat("> ", min(t.quote, maxQuotePrefix)))
	}
}

func (t *textBuilder) text(s string, verbatim bool) {
	if verbatim {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				t.newline()
			}
			if line != "" {
				t.prefix()
				t.b.WriteString(line)
				t.lineLen += len(line)
				t.blanks = 0
			}
		}
		return
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	leading := s != "" && isHTMLSpace(first)
	for i, w := range strings.FieldsFunc(s, isHTMLSpace) {
		if t.lineLen > 0 && (i > 0 || leading || t.pending) {
			t.b.WriteByte(' ')
			t.lineLen++
		}
		t.prefix()
		t.b.WriteString(w)
		t.lineLen += len(w)
		t.pending = false
		t.blanks = 0
	}
	if s != "" && isHTMLSpace(last) {
		t.pending = true
	}
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0'
}

// space separates table cells.
func (t *textBuilder) space() {
	if t.lineLen > 0 {
		t.pending = true
	}
}

// newline ends the current line (for <br>: empty lines are kept, one at most).
func (t *textBuilder) newline() {
	if t.lineLen == 0 {
		t.blanks++
		if t.blanks > 1 {
			return
		}
	}
	t.b.WriteByte('\n')
	t.lineLen = 0
	t.pending = false
}

// endLine ends the current line if anything is on it (block boundaries).
func (t *textBuilder) endLine() {
	if t.lineLen > 0 {
		t.b.WriteByte('\n')
		t.lineLen = 0
		t.blanks = 0
	}
	t.pending = false
}
