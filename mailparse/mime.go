package mailparse

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	"github.com/emersion/go-message"
)

// entity is one MIME entity: its parsed header and its still encoded body,
// a slice of the raw message.
type entity struct {
	h         message.Header
	body      []byte
	mediaType string
	params    map[string]string
}

func newEntity(h message.Header, body []byte) *entity {
	mt, params := contentType(h)
	return &entity{h: h, body: body, mediaType: mt, params: params}
}

// contentType returns the lowercased media type and its parameters; a
// Content-Type that mime.ParseMediaType rejects still yields its type and,
// for multiparts, its boundary.
func contentType(h message.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	mt, rest, _ := strings.Cut(v, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	params = map[string]string{}
	for _, p := range strings.Split(rest, ";") {
		k, val, ok := strings.Cut(p, "=")
		if ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	if !strings.Contains(mt, "/") {
		mt = "text/plain"
	}
	return mt, params
}

// isAttachment reports whether a text part is an attached file rather than
// message text: an attachment disposition or a file name.
func (e *entity) isAttachment() bool {
	disp, params, _ := mime.ParseMediaType(e.h.Get("Content-Disposition"))
	if disp == "attachment" {
		return true
	}
	return params["filename"] != "" || e.params["name"] != ""
}

func (e *entity) filename() string {
	_, params, _ := mime.ParseMediaType(e.h.Get("Content-Disposition"))
	name := params["filename"]
	if name == "" {
		name = e.params["name"]
	}
	if n, err := wordDecoder.DecodeHeader(name); err == nil {
		name = n
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return cleanLine(name)
}

// walker reads the MIME tree within the limits, collecting text and
// attachments. Limits hit are noted once each as warnings.
type walker struct {
	lim      Limits
	warn     func(string)
	parts    int
	textLeft int
	warned   map[string]bool
}

// body is what was read from one message: its text parts in order, its
// attachments and the messages attached to it (message/rfc822).
type body struct {
	texts       []string
	attachments []Attachment
	forwards    []*nested
}

// nested is an attached message (a forward as message/rfc822).
type nested struct {
	subject string
	from    string
	body    body
}

func (w *walker) once(key, msg string) {
	if !w.warned[key] {
		w.warned[key] = true
		w.warn(msg)
	}
}

func (w *walker) walk(e *entity, depth int, out *body) {
	switch {
	case strings.HasPrefix(e.mediaType, "multipart/"):
		if depth >= w.lim.MaxMIMEDepth {
			w.once("depth", fmt.Sprintf("MIME nesting deeper than %d: inner parts not read", w.lim.MaxMIMEDepth))
			return
		}
		parts := w.split(e)
		if parts == nil {
			// A multipart without usable boundaries: read it as text.
			w.warn(fmt.Sprintf("%s without parts read as text", e.mediaType))
			out.texts = append(out.texts, w.decodeText(&entity{h: e.h, body: e.body, mediaType: "text/plain", params: map[string]string{}}))
			return
		}
		switch e.mediaType {
		case "multipart/alternative":
			w.alternative(parts, depth+1, out)
		default:
			for _, p := range parts {
				w.walk(p, depth+1, out)
			}
		}
	case e.mediaType == "message/rfc822" || e.mediaType == "message/global":
		out.attachments = append(out.attachments, w.attachment(e))
		if depth >= w.lim.MaxMIMEDepth {
			w.once("depth", fmt.Sprintf("MIME nesting deeper than %d: inner parts not read", w.lim.MaxMIMEDepth))
			return
		}
		raw := w.transferDecode(e)
		hb, bb := splitHeader(raw)
		h := readHeader(hb, w.lim.MaxHeaderLine, w.warn)
		n := &nested{subject: cleanLine(headerText(h, "Subject", w.warn))}
		n.from, _, _ = sender(h, w.warn)
		w.walk(newEntity(h, bb), depth+1, &n.body)
		out.forwards = append(out.forwards, n)
		out.attachments = append(out.attachments, n.body.attachments...)
	case (e.mediaType == "text/plain" || e.mediaType == "text/html") && !e.isAttachment():
		out.texts = append(out.texts, w.decodeText(e))
	default:
		out.attachments = append(out.attachments, w.attachment(e))
	}
}

// alternative picks one alternative: text/plain unless it is empty, else
// HTML, else the first other part that yields text.
func (w *walker) alternative(parts []*entity, depth int, out *body) {
	order := make([]*entity, 0, len(parts))
	for _, want := range []string{"text/plain", "text/html", ""} {
		for _, p := range parts {
			if (want == "" && p.mediaType != "text/plain" && p.mediaType != "text/html") || p.mediaType == want {
				order = append(order, p)
			}
		}
	}
	for _, p := range order {
		var b body
		w.walk(p, depth, &b)
		if strings.TrimSpace(strings.Join(b.texts, "")) != "" || p == order[len(order)-1] {
			out.texts = append(out.texts, b.texts...)
			out.attachments = append(out.attachments, b.attachments...)
			out.forwards = append(out.forwards, b.forwards...)
			return
		}
	}
}

// split cuts a multipart body at its boundary delimiter lines. Preamble and
// epilogue are dropped; a missing close delimiter ends the last part at the
// end of the body. It returns nil when no delimiter is found.
func (w *walker) split(e *entity) []*entity {
	boundary := e.params["boundary"]
	if boundary == "" || len(boundary) > 200 {
		return nil
	}
	delim := []byte("--" + boundary)
	b := e.body
	var parts []*entity
	start := -1 // start of the current part's content
	for pos := 0; pos < len(b); {
		i := bytes.Index(b[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		pos = i + len(delim)
		if i > 0 && b[i-1] != '\n' {
			continue // not at the start of a line
		}
		rest := b[pos:]
		closing := bytes.HasPrefix(rest, []byte("--"))
		eol := bytes.IndexByte(rest, '\n')
		tail := rest
		if eol >= 0 {
			tail = rest[:eol]
		}
		if closing {
			tail = tail[2:]
		}
		if len(bytes.Trim(tail, " \t\r")) != 0 {
			continue // a longer boundary that starts with this one
		}
		if start >= 0 {
			end := i
			// The line break before the delimiter belongs to it.
			if end > start && b[end-1] == '\n' {
				end--
				if end > start && b[end-1] == '\r' {
					end--
				}
			}
			if p := w.part(b[start:end]); p != nil {
				parts = append(parts, p)
			} else {
				return parts
			}
		}
		if closing {
			return nonEmpty(parts)
		}
		if eol < 0 {
			return nonEmpty(parts)
		}
		start = pos + eol + 1
	}
	if start >= 0 && start <= len(b) {
		w.warn("multipart close delimiter missing: last part runs to the end")
		if p := w.part(b[start:]); p != nil {
			parts = append(parts, p)
		}
	}
	return nonEmpty(parts)
}

func nonEmpty(p []*entity) []*entity {
	if len(p) == 0 {
		return nil
	}
	return p
}

// part parses one body part, or returns nil when the part limit is reached.
func (w *walker) part(b []byte) *entity {
	if w.parts >= w.lim.MaxParts {
		w.once("parts", fmt.Sprintf("more than %d MIME parts: the rest are not read", w.lim.MaxParts))
		return nil
	}
	w.parts++
	hb, bb := splitHeader(b)
	if len(hb) == 0 && len(bb) == 0 && len(b) > 0 {
		bb = b
	}
	return newEntity(readHeader(hb, w.lim.MaxHeaderLine, w.warn), bb)
}
