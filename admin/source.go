package admin

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// ReadUsersCSV is a SyncUsers source over CSV with a header row. Recognised columns (any order, any
// case): uid, name, avatar, link, role, statusMessage, metadata (a JSON object) and tags (a JSON
// array, or values separated by "|"). uid and name are required columns; an unknown column is an
// error. A bad row is yielded as an error for that item (with its line number) and reading goes on;
// a broken stream ends the sequence with an error.
func ReadUsersCSV(r io.Reader) iter.Seq2[UserInput, error] {
	return func(yield func(UserInput, error) bool) {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.TrimLeadingSpace = true
		header, err := cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("CSV: empty input, a header row is required")
			}
			yield(UserInput{}, fmt.Errorf("CSV header: %w", err))
			return
		}
		cols := make([]string, len(header))
		seen := map[string]bool{}
		for i, h := range header {
			name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
			switch name {
			case "uid", "name", "avatar", "link", "role", "metadata", "tags":
			case "statusmessage":
			default:
				yield(UserInput{}, fmt.Errorf("CSV header: unknown column %q", h))
				return
			}
			if seen[name] {
				yield(UserInput{}, fmt.Errorf("CSV header: duplicate column %q", h))
				return
			}
			seen[name] = true
			cols[i] = name
		}
		if !seen["uid"] || !seen["name"] {
			yield(UserInput{}, errors.New("CSV header: the uid and name columns are required"))
			return
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			line, _ := cr.FieldPos(0)
			var pe *csv.ParseError
			if err != nil && !errors.As(err, &pe) {
				yield(UserInput{}, fmt.Errorf("CSV: %w", err))
				return
			}
			if err != nil {
				if !yield(UserInput{}, fmt.Errorf("CSV: %w", err)) {
					return
				}
				continue
			}
			in, err := userFromRecord(cols, rec)
			if err != nil {
				err = fmt.Errorf("CSV line %d: %w", line, err)
			}
			if !yield(in, err) {
				return
			}
		}
	}
}

func userFromRecord(cols, rec []string) (UserInput, error) {
	var in UserInput
	if len(rec) != len(cols) {
		return in, fmt.Errorf("%d fields, the header has %d", len(rec), len(cols))
	}
	var errs []error
	for i, v := range rec {
		v = strings.TrimSpace(v)
		switch cols[i] {
		case "uid":
			in.UID = v
		case "name":
			in.Name = v
		case "avatar":
			in.Avatar = v
		case "link":
			in.Link = v
		case "role":
			in.Role = v
		case "statusmessage":
			in.StatusMessage = v
		case "metadata":
			if v != "" {
				if err := json.Unmarshal([]byte(v), &in.Metadata); err != nil || in.Metadata == nil {
					errs = append(errs, fmt.Errorf("metadata is not a JSON object"))
				}
			}
		case "tags":
			switch {
			case v == "":
			case strings.HasPrefix(v, "["):
				if err := json.Unmarshal([]byte(v), &in.Tags); err != nil {
					errs = append(errs, fmt.Errorf("tags is not a JSON array of strings"))
				}
			default:
				for _, t := range strings.Split(v, "|") {
					if t = strings.TrimSpace(t); t != "" {
						in.Tags = append(in.Tags, t)
					}
				}
			}
		}
	}
	return in, errors.Join(errs...)
}

// maxJSONLine bounds one JSON Lines record (the service's whole create body is at most 10 KB).
const maxJSONLine = 1 << 20

// ReadUsersJSONL is a SyncUsers source over JSON Lines: one object per line with the JSON keys of
// UserInput (uid, name, avatar, link, role, statusMessage, metadata, tags). Blank lines are skipped.
// A bad line, or one with an unknown key, is yielded as an error for that item and reading goes on;
// a broken stream ends the sequence with an error.
func ReadUsersJSONL(r io.Reader) iter.Seq2[UserInput, error] {
	return func(yield func(UserInput, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), maxJSONLine)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var in UserInput
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			err := dec.Decode(&in)
			if err == nil && dec.More() {
				err = errors.New("more than one JSON value on the line")
			}
			if err != nil {
				var partial struct {
					UID string `json:"uid"`
				}
				_ = json.Unmarshal(b, &partial)
				in = UserInput{UID: partial.UID}
				err = fmt.Errorf("JSONL line %d: %w", line, err)
			}
			if !yield(in, err) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(UserInput{}, fmt.Errorf("JSONL line %d: %w", line+1, err))
		}
	}
}
