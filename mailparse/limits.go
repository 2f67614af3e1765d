package mailparse

// DefaultLimits are the bounds used for every zero field of Options.Limits:
// a 25 MB message, MIME nesting of 20, 256 parts, 64 KiB per header field
// and 2 MiB of decoded text.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageSize: 25 << 20,
		MaxMIMEDepth:   20,
		MaxParts:       256,
		MaxHeaderLine:  64 << 10,
		MaxTextSize:    2 << 20,
	}
}

// withDefaults fills the zero (or negative) fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = d.MaxMessageSize
	}
	if l.MaxMIMEDepth <= 0 {
		l.MaxMIMEDepth = d.MaxMIMEDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxHeaderLine <= 0 {
		l.MaxHeaderLine = d.MaxHeaderLine
	}
	if l.MaxTextSize <= 0 {
		l.MaxTextSize = d.MaxTextSize
	}
	return l
}

// maxHeaderFields bounds the fields kept from one header block. It is not a
// Limits field because no real mail comes near it; it only stops a header of
// millions of tiny fields from costing time.
const maxHeaderFields = 1000
