package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// attachBoundary separates the parts of WithAttachment's mail.
const attachBoundary = "=_mailtest_mixed"

// WithAttachment turns a single-part mail (an Escalation with PlainText
// format) into multipart/mixed: its body first, then data attached
// base64-encoded (76-character lines, CRLF) as name with content type
// ctype.
func WithAttachment(raw []byte, name, ctype string, data []byte) []byte {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		panic("mailtest: WithAttachment: no header/body separator")
	}
	var head, partHead []string
	for _, line := range strings.Split(string(raw[:i]), "\r\n") {
		lower := strings.ToLower(line)
		if strings.HasPrefix(lower, "content-type:") || strings.HasPrefix(lower, "content-transfer-encoding:") {
			partHead = append(partHead, line)
			continue
		}
		head = append(head, line)
	}
	body := raw[i+4:]
	var b bytes.Buffer
	b.Grow(len(raw) + base64.StdEncoding.EncodedLen(len(data))*78/76 + 1024)
	for _, h := range head {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", attachBoundary)
	b.WriteString("--" + attachBoundary + "\r\n")
	for _, h := range partHead {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	b.WriteString("\r\n--" + attachBoundary + "\r\n")
	fmt.Fprintf(&b, "Content-Type: %s; name=\"%s\"\r\n", ctype, name)
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\r\n", name)
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	const chunk = 57 // input bytes of one 76-character line
	var line [76]byte
	for len(data) > 0 {
		n := min(chunk, len(data))
		base64.StdEncoding.Encode(line[:], data[:n])
		b.Write(line[:base64.StdEncoding.EncodedLen(n)])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString("--" + attachBoundary + "--\r\n")
	return b.Bytes()
}

// LargeEscalation is a valid escalation (o, PlainText) with a random,
// incompressible attachment ("logs.bin", application/octet-stream) sized
// so the whole mail is about size bytes. The same seed gives the same
// mail.
func LargeEscalation(o EscalationOpts, size int, seed uint64) []byte {
	base := Escalation(o)
	n := max(size-len(base)-512, 0) * 57 / 78
	data := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	_, _ = r.Read(data)
	return WithAttachment(base, "logs.bin", "application/octet-stream", data)
}
