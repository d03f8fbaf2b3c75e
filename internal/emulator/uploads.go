package emulator

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Presigned media upload (client-protocol.md §5.7): POST files/upload-url
// answers, per file, a request to make (a multipart POST to the emulator's
// /uploads/{fileId}) and the attachment the file will have; the bytes are
// then served at the attachment URL /files/{fileId}/{name}. Uploads live in
// memory only (not in snapshots).

// Upload limits (client-protocol.md §4 settings file.size.max and
// file.count.max; presign TTL 15 min, surface.md §6.3).
const (
	maxUploadBytes = 104857600
	maxUploadFiles = 10
	uploadTTL      = 15 * time.Minute
)

// uploadRecord is one presigned upload.
type uploadRecord struct {
	FileID    string
	Name      string
	Size      int64
	MimeType  string
	Owner     string
	Token     string
	ExpiresAt time.Time
	Data      []byte
	Uploaded  bool
}

func (s *Server) registerUploadRoutes() {
	s.clientRoute("POST files/upload-url", s.postUploadURL)
	// The presigned target and the file host need no CometChat credentials.
	s.mux.HandleFunc("POST /uploads/{fileId}", s.handleUpload)
	s.mux.HandleFunc("GET /files/{fileId}/{name}", s.handleFile)
}

// uploadBase is the scheme and host clients reach the emulator at.
func (s *Server) uploadBase(r *http.Request) string {
	scheme := "http://"
	if s.requestIsTLS(r) {
		scheme = "https://"
	}
	return scheme + s.advertisedAddr(r)
}

type uploadFileSpec struct {
	FileID   string          `json:"fileId"`
	Name     string          `json:"name"`
	Size     json.RawMessage `json:"size"`
	MimeType string          `json:"mimeType"`
}

// postUploadURL: POST files/upload-url
// {"files":{"<fileId>":{fileId,name,size,mimeType}}, receiver?, receiverType?, parentMessageId?}.
func (s *Server) postUploadURL(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	var files map[string]uploadFileSpec
	if raw, ok := body["files"]; !ok || json.Unmarshal(raw, &files) != nil || len(files) == 0 {
		return nil, errBadRequest(map[string][]string{"files": {"The files field is required."}})
	}
	if len(files) > maxUploadFiles {
		return nil, errBadRequest(map[string][]string{"files": {"At most " + strconv.Itoa(maxUploadFiles) + " files may be uploaded at once."}})
	}
	base := s.uploadBase(r)
	now := s.now()
	out := map[string]any{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.uploads == nil {
		s.st.uploads = map[string]*uploadRecord{}
	}
	for key, f := range files {
		size := rawID(f.Size)
		name := path.Base(strings.TrimSpace(f.Name))
		switch {
		case name == "" || name == "." || name == "/":
			out[key] = newError("ERR_BAD_REQUEST", "The file name is required.").wire()
			continue
		case size <= 0 || size > maxUploadBytes:
			out[key] = newError("ERR_BAD_REQUEST", "The file size must be between 1 and %d bytes.", maxUploadBytes).wire()
			continue
		}
		mimeType := f.MimeType
		if mimeType == "" {
			mimeType = mime.TypeByExtension(path.Ext(name))
		}
		id := randomHex(12)
		u := &uploadRecord{FileID: id, Name: name, Size: size, MimeType: mimeType, Owner: c.uid, Token: randomHex(16),
			ExpiresAt: now.Add(uploadTTL)}
		s.st.uploads[id] = u
		out[key] = map[string]any{
			"request": map[string]any{"url": base + "/uploads/" + id, "method": "POST",
				"body": map[string]string{"key": id, "token": u.Token}},
			"attachment": map[string]any{"extension": strings.TrimPrefix(path.Ext(name), "."), "mimeType": mimeType,
				"name": name, "size": strconv.FormatInt(size, 10), "url": base + "/files/" + id + "/" + name},
			"expiresAt": u.ExpiresAt.Unix(),
		}
	}
	return out, nil
}

// s3Error answers like the storage service the real flow uses.
func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"+code+"</Code><Message>"+msg+"</Message></Error>")
}

// handleUpload receives the multipart POST of a presigned upload: the form
// fields of request.body, then "file".
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("fileId")
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		s3Error(w, http.StatusBadRequest, "MalformedPOSTRequestBody", "The body of the POST request is not well-formed multipart/form-data.")
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	file, _, err := r.FormFile("file")
	if err != nil {
		s3Error(w, http.StatusBadRequest, "InvalidArgument", "The file field is missing.")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		s3Error(w, http.StatusBadRequest, "IncompleteBody", "The file could not be read.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.uploads[id]
	switch {
	case !ok || r.FormValue("token") != u.Token:
		s3Error(w, http.StatusForbidden, "AccessDenied", "Invalid upload signature.")
	case s.now().After(u.ExpiresAt):
		s3Error(w, http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
	case int64(len(data)) > u.Size:
		s3Error(w, http.StatusBadRequest, "EntityTooLarge", "The file is larger than announced.")
	default:
		u.Data, u.Uploaded = data, true
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleFile serves uploaded bytes at the attachment URL.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.st.uploads[r.PathValue("fileId")]
	var data []byte
	var mimeType string
	if ok && u.Uploaded && u.Name == r.PathValue("name") {
		data, mimeType = u.Data, u.MimeType
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	if mimeType != "" {
		w.Header().Set("Content-Type", mimeType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
