package cometchat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Media upload through presigned URLs (client-protocol.md §5.7): POST files/upload-url names where to
// put the file and what its attachment will be; the file then goes straight to storage; the returned
// Attachment goes into a MediaMessage.

// Upload error codes (errors.md §2, media upload).
var (
	// ErrFileSizeExceeded: the file is larger than the service allows (100 MiB by default). Not retryable.
	ErrFileSizeExceeded = sentinel("ERR_FILE_SIZE_EXCEEDED")
	// ErrS3UploadFailed: storage refused the upload. Retryable.
	ErrS3UploadFailed = sentinel("ERR_S3_UPLOAD_FAILED")
	// ErrPresignedURLExpired: the presigned URL expired before the upload; upload again for a new one.
	ErrPresignedURLExpired = sentinel("ERR_PRESIGNED_URL_EXPIRED")
)

// MaxUploadBytes is the default largest file (settings file.size.max).
const MaxUploadBytes = 104857600

// UploadFile describes one file to upload.
type UploadFile struct {
	// Name is the file name, with extension (required).
	Name string
	// MimeType is the content type, e.g. image/png. Optional.
	MimeType string
	// Size is the exact number of bytes Content yields (required, 1 to MaxUploadBytes).
	Size int64
	// Content yields the bytes.
	Content io.Reader
}

// UploadProgress is called while a file uploads with the bytes sent so far and the total. It runs on
// the uploading goroutine.
type UploadProgress func(sent, total int64)

// uploadTarget is one entry of the files/upload-url answer.
type uploadTarget struct {
	Request *struct {
		URL    string            `json:"url"`
		Method string            `json:"method"`
		Body   map[string]string `json:"body"`
	} `json:"request"`
	Attachment Attachment      `json:"attachment"`
	Error      json.RawMessage `json:"error"`
}

// UploadAttachment uploads one file for a message to receiverID (POST files/upload-url, then the
// presigned POST) and returns its Attachment, to be put in MediaMessage.Attachments. progress may be
// nil. A rejected upload is ErrS3UploadFailed, an expired presigned URL ErrPresignedURLExpired (both
// retryable by uploading again).
func (c *Client) UploadAttachment(ctx context.Context, receiverID string, receiverType ReceiverType, f UploadFile, progress UploadProgress) (Attachment, error) {
	if err := checkReceiver(receiverID, receiverType); err != nil {
		return Attachment{}, err
	}
	switch {
	case strings.TrimSpace(f.Name) == "":
		return Attachment{}, localError(ErrMissingParameters, "the file needs a name")
	case f.Content == nil:
		return Attachment{}, localError(ErrMissingParameters, "the file has no content")
	case f.Size <= 0:
		return Attachment{}, localError(ErrInvalidValue, "the file size must be positive")
	case f.Size > MaxUploadBytes:
		return Attachment{}, localError(ErrFileSizeExceeded, "the file is larger than "+strconv.Itoa(MaxUploadBytes)+" bytes")
	}
	fileID := uuid.NewString()
	body := map[string]any{
		"files":        map[string]any{fileID: map[string]any{"fileId": fileID, "name": f.Name, "size": f.Size, "mimeType": f.MimeType}},
		"receiver":     normID(receiverID),
		"receiverType": string(receiverType),
	}
	var targets map[string]uploadTarget
	if err := c.do(ctx, &call{method: http.MethodPost, path: "files/upload-url", body: body}, &targets); err != nil {
		return Attachment{}, err
	}
	t, ok := targets[fileID]
	if !ok || (t.Request == nil && len(t.Error) == 0) {
		return Attachment{}, &Error{Code: ErrUnparseableResponse.Code, Message: "the upload-url answer has no entry for the file"}
	}
	if len(t.Error) > 0 {
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(t.Error, &e)
		if e.Code == "" {
			e.Code = ErrS3UploadFailed.Code
		}
		return Attachment{}, &Error{Code: e.Code, Message: e.Message}
	}
	if err := c.putFile(ctx, t, f, progress); err != nil {
		return Attachment{}, err
	}
	return t.Attachment, nil
}

// s3Code finds the <Code> of an S3-style XML error.
var s3Code = regexp.MustCompile(`<Code>([^<]+)</Code>`)

// putFile streams the multipart POST to the presigned URL.
func (c *Client) putFile(ctx context.Context, t uploadTarget, f UploadFile, progress UploadProgress) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	// The writer goroutine ends when the body is fully written or the reader is closed; the deferred
	// close below guarantees the latter on every return path.
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := func() error {
			for k, v := range t.Request.Body {
				if err := mw.WriteField(k, v); err != nil {
					return err
				}
			}
			part, err := mw.CreateFormFile("file", f.Name)
			if err != nil {
				return err
			}
			src := io.Reader(io.LimitReader(f.Content, f.Size))
			if progress != nil {
				src = &progressReader{r: src, total: f.Size, fn: progress}
			}
			if _, err := io.Copy(part, src); err != nil {
				return err
			}
			return mw.Close()
		}()
		_ = pw.CloseWithError(err)
	}()
	defer func() {
		_ = pr.Close()
		<-done
	}()
	method := t.Request.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, t.Request.URL, pr)
	if err != nil {
		return &Error{Code: ErrS3UploadFailed.Code, Message: "bad presigned URL", Local: true, Err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	hc := c.settings.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &Error{Code: ErrS3UploadFailed.Code, Message: "upload failed", Local: true, Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	code := ""
	if m := s3Code.FindSubmatch(b); m != nil {
		code = string(m[1])
	}
	if code == "ExpiredToken" || code == "AccessDenied" && strings.Contains(string(b), "expired") {
		return &Error{Status: resp.StatusCode, Code: ErrPresignedURLExpired.Code, Message: "the presigned upload URL expired"}
	}
	return &Error{Status: resp.StatusCode, Code: ErrS3UploadFailed.Code, Message: "storage refused the upload: " + code}
}

// progressReader reports the bytes read so far.
type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	fn    UploadProgress
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		p.fn(p.sent, p.total)
	}
	return n, err
}
