package main

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of samples by the
// nearest-rank method: the smallest sample such that at least p% of the
// samples are at or below it. It is always one of the samples (no
// interpolation), so a p99 of 20 samples is their maximum. It returns 0
// for no samples. samples need not be sorted and are not changed.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return percentileSorted(s, p)
}

func percentileSorted(s []time.Duration, p float64) time.Duration {
	if p <= 0 {
		return s[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Dist summarises a set of durations, in milliseconds for the JSON file.
type Dist struct {
	Samples int     `json:"samples"`
	MinMS   float64 `json:"min_ms"`
	MeanMS  float64 `json:"mean_ms"`
	P50MS   float64 `json:"p50_ms"`
	P90MS   float64 `json:"p90_ms"`
	P99MS   float64 `json:"p99_ms"`
	MaxMS   float64 `json:"max_ms"`
}

// Summarize computes Dist over samples (nearest-rank percentiles).
func Summarize(samples []time.Duration) Dist {
	if len(samples) == 0 {
		return Dist{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Dist{
		Samples: len(s),
		MinMS:   ms(s[0]),
		MeanMS:  ms(sum / time.Duration(len(s))),
		P50MS:   ms(percentileSorted(s, 50)),
		P90MS:   ms(percentileSorted(s, 90)),
		P99MS:   ms(percentileSorted(s, 99)),
		MaxMS:   ms(s[len(s)-1]),
	}
}

// ms converts to milliseconds rounded to 0.1 ms.
func ms(d time.Duration) float64 { return round1(float64(d) / float64(time.Millisecond)) }

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// roundSig rounds x to n significant digits (a ratio of 0.000402 stays
// visible).
func roundSig(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	k := n - int(math.Ceil(math.Log10(math.Abs(x))))
	p := math.Pow(10, float64(k))
	return math.Round(x*p) / p
}

// rate is n per second over d, rounded to 0.1; 0 when d is 0.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return round1(float64(n) / d.Seconds())
}
