package mailparse

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// splitHeader returns the header block of an entity (up to, not including,
// the first empty line) and the body after that line. Without an empty line
// everything is header.
func splitHeader(b []byte) (hdr, body []byte) {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		end, next := len(b), len(b)
		if j >= 0 {
			end, next = i+j, i+j+1
		}
		line := b[i:end]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return b[:i], b[next:]
		}
		i = next
	}
	return b, nil
}

// readHeader parses a header block with go-message's textproto reader after
// making it safe for it: textproto stops at the first malformed line and
// returns what it had, so malformed lines are dropped here (with a warning)
// and the fields after them are still read. Fields longer than maxLine bytes
// are truncated, and at most maxHeaderFields fields are kept.
func readHeader(block []byte, maxLine int, warn func(string)) message.Header {
	var out bytes.Buffer
	out.Grow(len(block) + 4)
	var field []byte // current field, lines joined with CRLF
	var key string
	fields := 0
	flush := func() {
		if field == nil {
			return
		}
		if len(field) > maxLine {
			warn(fmt.Sprintf("header field %s is %d bytes, truncated to %d", quoteValue(key), len(field), maxLine))
			field = field[:maxLine]
			// Do not leave a dangling CR or an empty continuation line.
			field = bytes.TrimRight(field, "\r\n \t")
		}
		if fields < maxHeaderFields {
			out.Write(field)
			out.WriteString("\r\n")
		} else if fields == maxHeaderFields {
			warn(fmt.Sprintf("header has more than %d fields: the rest are ignored", maxHeaderFields))
		}
		fields++
		field = nil
	}
	dropped := 0
	for len(block) > 0 {
		var line []byte
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			line, block = block[:i], block[i+1:]
		} else {
			line, block = block, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if field == nil {
				dropped++
				continue
			}
			if len(field) <= maxLine { // keep appending only while useful
				field = append(field, '\r', '\n')
				field = append(field, line...)
			}
			continue
		}
		flush()
		k, ok := headerKey(line)
		if !ok {
			dropped++
			if dropped <= 3 {
				warn("malformed header line dropped: " + quoteValue(string(line)))
			}
			continue
		}
		key = k
		field = append(make([]byte, 0, min(len(line), maxLine)+2), line...)
	}
	flush()
	if dropped > 3 {
		warn(fmt.Sprintf("%d malformed header lines dropped in all", dropped))
	}
	out.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReader(&out))
	if err != nil {
		warn("header partly unreadable: " + cleanLine(err.Error()))
	}
	return message.Header{Header: h}
}

// headerKey returns the field name of a header line, if the line is a valid
// "name: value" field.
func headerKey(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	k := bytes.TrimRight(line[:i], " \t")
	if len(k) == 0 {
		return "", false
	}
	for _, c := range k {
		if c < 33 || c > 126 {
			return "", false
		}
	}
	return string(k), true
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	return message.CharsetReader(strings.ToLower(cs), r)
}}

// headerText decodes the RFC 2047 words of header field k. An unknown
// charset keeps the raw value and adds a warning.
func headerText(h message.Header, k string, warn func(string)) string {
	v, err := h.Text(k)
	if err != nil {
		warn(fmt.Sprintf("header %s not fully decoded: %s", k, cleanLine(err.Error())))
	}
	return v
}

// sender reads the From field: the sender's address (lowercased, written
// as an RFC 5322 addr-spec that net/mail reads back unchanged, quotes
// around a local part that needs them), the display name, and whether the
// sender could not be read unambiguously: no From field or several, a
// field that is not RFC 5322 (read leniently for display: the part in the
// last <...>, else the first word containing "@"), or one that holds no
// mailbox or several (the first is kept for display). A source route
// (obsolete syntax, "<@relay.example:alice@example.com>") is dropped, as
// RFC 5322 4.4 says to. An address that cannot be written back (too long,
// or unreadable even as written) is left out, so whatever is in From can
// be answered.
func sender(h message.Header, warn func(string)) (addr, name string, ambiguous bool) {
	fields := h.Values("From")
	switch {
	case len(fields) == 0:
		return "", "", true
	case len(fields) > 1:
		warn(fmt.Sprintf("%d From fields: the sender is ambiguous", len(fields)))
		ambiguous = true
	}
	raw := fields[0]
	l, err := addressList(raw)
	if err != nil && sourceRoute.MatchString(raw) {
		if l, err = addressList(sourceRoute.ReplaceAllString(raw, "<")); err == nil {
			warn("From source route dropped")
		}
	}
	if err == nil {
		switch len(l) {
		case 0:
			warn("From holds no mailbox: the sender is ambiguous")
			return "", "", true
		case 1:
		default:
			warn(fmt.Sprintf("From holds %d mailboxes: the sender is ambiguous", len(l)))
			ambiguous = true
		}
		addr, name = l[0].Address, l[0].Name
	} else {
		warn("From header not RFC 5322: read leniently, the sender is ambiguous")
		ambiguous = true
		addr, name = lenientSender(raw)
	}
	addr, name = strings.ToLower(cleanLine(addr)), cleanLine(name)
	if addr == "" {
		return "", name, true
	}
	w, ok := writableAddress(addr)
	if !ok {
		warn("From address cannot be written back, left out: " + quoteValue(addr))
		return "", name, true
	}
	return w, name, ambiguous
}

// sourceRoute matches the obsolete route of an angle-addr (RFC 5322
// obs-route: "<@a.example,@b.example:").
var sourceRoute = regexp.MustCompile(`<\s*@[^<>:"]*:`)

// addressList parses an address list strictly (RFC 5322 syntax); an
// encoded word in an unknown charset is kept as it is written rather than
// failing the list, since it says nothing about the addresses.
func addressList(raw string) ([]*netmail.Address, error) {
	p := netmail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		if cr, err := message.CharsetReader(strings.ToLower(cs), r); err == nil {
			return cr, nil
		}
		return r, nil
	}}}
	return p.ParseList(raw)
}

// lenientSender reads a From that net/mail rejects: the part in the last
// <...>, or else the first word containing "@".
func lenientSender(raw string) (addr, name string) {
	if i := strings.LastIndexByte(raw, '<'); i >= 0 {
		if j := strings.IndexByte(raw[i:], '>'); j > 0 {
			addr = raw[i+1 : i+j]
			name = strings.Trim(strings.TrimSpace(raw[:i]), `"' `)
		}
	}
	if addr == "" {
		for _, w := range strings.Fields(raw) {
			if strings.Contains(w, "@") {
				addr = strings.Trim(w, `<>"'(),;:[]`)
				break
			}
		}
	}
	if n, err := wordDecoder.DecodeHeader(name); err == nil {
		name = n
	}
	return addr, name
}

// maxAddress is the longest sender address kept (RFC 5321 4.5.3.1.3: a
// path is at most 256 octets with its angle brackets).
const maxAddress = 254

// writableAddress returns addr (net/mail's unquoted form, or an addr-spec)
// as an addr-spec that net/mail parses back to the same mailbox: the
// form a reply can be composed to.
func writableAddress(addr string) (string, bool) {
	a, err := netmail.ParseAddress(addr)
	if err != nil {
		a = &netmail.Address{Address: addr}
	}
	w := strings.TrimSuffix(strings.TrimPrefix(a.String(), "<"), ">")
	back, err := netmail.ParseAddress(w)
	if err != nil || back.Address != a.Address || len(w) > maxAddress || !strings.Contains(w, "@") {
		return "", false
	}
	return w, true
}

// msgIDs returns the message identifiers of a field (without <>). go-message
// is tried first; on a malformed list every <...> group, or else every word
// containing "@", is taken.
func msgIDs(h message.Header, k string) []string {
	v := h.Get(k)
	if v == "" {
		return nil
	}
	mh := mail.Header{Header: h}
	ids, err := mh.MsgIDList(k)
	if err != nil {
		ids = lenientMsgIDs(v)
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = cleanLine(id); id != "" && !strings.Contains(id, " ") {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func lenientMsgIDs(v string) []string {
	var ids []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		ids = append(ids, strings.TrimSpace(v[i+1:i+j]))
		v = v[i+j+1:]
	}
	if len(ids) == 0 {
		for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
			if strings.Contains(w, "@") {
				ids = append(ids, w)
			}
		}
	}
	return ids
}

// messageID returns the Message-ID without <>.
func messageID(h message.Header) string {
	v := h.Get("Message-Id")
	if v == "" {
		return ""
	}
	mh := mail.Header{Header: h}
	if id, err := mh.MessageID(); err == nil && id != "" {
		return cleanLine(id)
	}
	if ids := lenientMsgIDs(v); len(ids) > 0 {
		return cleanLine(ids[0])
	}
	return cleanLine(strings.Trim(strings.TrimSpace(v), "<>"))
}
