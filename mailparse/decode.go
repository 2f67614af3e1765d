package mailparse

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"golang.org/x/text/encoding/charmap"
)

// decodeText returns the text of a text/plain or text/html part: transfer
// encoding and charset decoded by go-message, HTML converted to text,
// format=flowed joined, within the MaxTextSize budget.
func (w *walker) decodeText(e *entity) string {
	cs := strings.ToLower(e.params["charset"])
	ent, err := message.New(e.h, bytes.NewReader(e.body))
	if err != nil {
		switch {
		case message.IsUnknownCharset(err):
			w.warn(fmt.Sprintf("unknown charset %s: text used as is", quoteValue(cs)))
		case message.IsUnknownEncoding(err):
			w.warn(fmt.Sprintf("unknown transfer encoding %s: body used as is", quoteValue(e.h.Get("Content-Transfer-Encoding"))))
		}
	}
	if w.textLeft <= 0 {
		w.once("text", fmt.Sprintf("decoded text larger than %d bytes: truncated", w.lim.MaxTextSize))
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(ent.Body, int64(w.textLeft)+1))
	if err != nil {
		w.warn(fmt.Sprintf("%s part partly undecodable (%s): kept %d bytes", e.mediaType, cleanLine(err.Error()), len(data)))
	}
	if len(data) > w.textLeft {
		w.once("text", fmt.Sprintf("decoded text larger than %d bytes: truncated", w.lim.MaxTextSize))
		data = data[:w.textLeft]
	}
	w.textLeft -= len(data)
	if cs == "" && !utf8.Valid(data) {
		// 8-bit text without a charset: Windows-1252 is what such mail
		// almost always is, and it maps every byte.
		if d, err := charmap.Windows1252.NewDecoder().Bytes(data); err == nil {
			w.warn("8-bit text without charset read as windows-1252")
			data = d
		}
	}
	text := cleanText(string(data))
	if e.mediaType == "text/html" {
		out, truncated := htmlToText(text, w.lim.MaxTextSize)
		if truncated {
			w.once("html", fmt.Sprintf("text of HTML part larger than %d bytes: truncated", w.lim.MaxTextSize))
		}
		return out
	}
	if strings.EqualFold(e.params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(e.params["delsp"], "yes"))
	}
	return text
}

// transferDecode undoes the Content-Transfer-Encoding of a part without any
// charset conversion (the Content-Type is dropped from a copy of the header,
// so go-message treats it as text/plain without charset).
func (w *walker) transferDecode(e *entity) []byte {
	enc := strings.ToLower(strings.TrimSpace(e.h.Get("Content-Transfer-Encoding")))
	if enc == "" || enc == "7bit" || enc == "8bit" || enc == "binary" {
		return e.body
	}
	h := e.h.Copy()
	h.Del("Content-Type")
	ent, err := message.New(h, bytes.NewReader(e.body))
	if err != nil && message.IsUnknownEncoding(err) {
		return e.body
	}
	data, err := io.ReadAll(ent.Body)
	if err != nil {
		w.warn(fmt.Sprintf("%s part partly undecodable (%s)", e.mediaType, cleanLine(err.Error())))
	}
	return data
}

func (w *walker) attachment(e *entity) Attachment {
	size := int64(len(e.body))
	enc := strings.ToLower(strings.TrimSpace(e.h.Get("Content-Transfer-Encoding")))
	if enc == "base64" || enc == "quoted-printable" {
		h := e.h.Copy()
		h.Del("Content-Type")
		if ent, err := message.New(h, bytes.NewReader(e.body)); err == nil {
			size, _ = io.Copy(io.Discard, ent.Body)
		}
	}
	return Attachment{Filename: e.filename(), ContentType: cleanLine(e.mediaType), Size: size}
}
