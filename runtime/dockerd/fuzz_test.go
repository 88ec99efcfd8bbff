package dockerd

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// FuzzReadResponse feeds arbitrary answers to dockerd's response reader:
// it must not panic, must hold no body over maxBody nor one cut short of
// its Content-Length, and where net/http reads the same answer it must
// agree on the status and the body (of a status that has one).
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]",
		"HTTP/1.1 404 Not Found\r\n\r\n{\"message\":\"No such container: x\"}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nshort",
		"SSH-2.0-OpenSSH\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		status, body, err := readResponse(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			return
		}
		if len(body) > maxBody {
			t.Fatalf("body of %d bytes kept", len(body))
		}
		resp, herr := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
		if herr != nil || resp.Header.Get("Transfer-Encoding") != "" || len(resp.TransferEncoding) > 0 {
			return
		}
		hbody, herr := io.ReadAll(resp.Body)
		if herr != nil {
			return
		}
		// 1xx, 204 and 304 have no body in HTTP (RFC 9112, 6.3); dockerd
		// sends none of them, and nsj reads any other status's body only
		// for its error message.
		bodyless := status < 200 || status == 204 || status == 304
		if resp.StatusCode != status || (!bodyless && !bytes.Equal(hbody, body)) {
			t.Fatalf("nsj read %d %q, net/http %d %q", status, body, resp.StatusCode, hbody)
		}
	})
}
