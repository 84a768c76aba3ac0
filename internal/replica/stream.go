package replica

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// Every connection between hubs is TLS 1.3 in which both ends prove they
// hold the cluster secret: each derives the same Ed25519 key from it and
// accepts only a peer whose certificate carries that public key. Raft's
// own TCP transport has no authentication; it runs inside this.
//
// After the handshake the dialer sends one byte saying what the
// connection is for: a Raft RPC stream, or a change forwarded to the
// leader.
const (
	connRaft    byte = 'R'
	connForward byte = 'F'

	// maxPending bounds connections in their handshake at once, so a
	// stranger opening many cannot hold memory and goroutines.
	maxPending = 16
)

// handshakeTimeout bounds a connection's TLS handshake and its first
// byte: a stranger that connects and sends nothing is dropped then.
var handshakeTimeout = 5 * time.Second

// clusterIdentity derives the key and certificate every hub of the
// cluster shares from the secret.
func clusterIdentity(secret []byte) (tls.Certificate, ed25519.PublicKey, error) {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("anycloud hub replication v1"))
	priv := ed25519.NewKeyFromSeed(mac.Sum(nil))
	pub := priv.Public().(ed25519.PublicKey)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "anycloud hub"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, pub, nil
}

func tlsConfig(secret []byte) (*tls.Config, error) {
	cert, pub, err := clusterIdentity(secret)
	if err != nil {
		return nil, err
	}
	verify := func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("peer sent no certificate")
		}
		c, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		if k, ok := c.PublicKey.(ed25519.PublicKey); !ok || !k.Equal(pub) {
			return errors.New("peer does not hold the cluster secret")
		}
		return nil
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAnyClientCert,
		// The chain is checked by VerifyPeerCertificate against the
		// cluster key, not against a CA: there is none.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: verify,
		ServerName:            "anycloud-hub",
	}, nil
}

// streamLayer is Raft's StreamLayer over authenticated TLS; forwarded
// changes are handed to forward instead of Raft.
type streamLayer struct {
	ln        net.Listener
	advertise net.Addr
	tls       *tls.Config
	raftConns chan net.Conn
	forward   func(net.Conn)
	pending   chan struct{}
	closed    chan struct{}
	timeout   time.Duration // handshakeTimeout when made
}

func newStreamLayer(bind string, secret []byte, forward func(net.Conn)) (*streamLayer, error) {
	cfg, err := tlsConfig(secret)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("replication listener: %w", err)
	}
	s := &streamLayer{ln: ln, advertise: ln.Addr(), tls: cfg, raftConns: make(chan net.Conn),
		forward: forward, pending: make(chan struct{}, maxPending), closed: make(chan struct{}), timeout: handshakeTimeout}
	go s.acceptLoop()
	return s, nil
}

func (s *streamLayer) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.closed:
				return
			default:
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		select {
		case s.pending <- struct{}{}:
		default:
			c.Close() // too many handshakes at once
			continue
		}
		go s.handshake(c)
	}
}

// handshake authenticates c within the handshake bound and routes it.
func (s *streamLayer) handshake(c net.Conn) {
	tc := tls.Server(c, s.tls)
	tc.SetDeadline(time.Now().Add(s.timeout))
	var kind [1]byte
	err := tc.Handshake()
	if err == nil {
		_, err = tc.Read(kind[:])
	}
	<-s.pending
	if err != nil {
		tc.Close()
		return
	}
	tc.SetDeadline(time.Time{})
	switch kind[0] {
	case connRaft:
		select {
		case s.raftConns <- tc:
		case <-s.closed:
			tc.Close()
		}
	case connForward:
		s.forward(tc)
	default:
		tc.Close()
	}
}

// dialKind connects to a peer, authenticates and says what for.
func dialKind(cfg *tls.Config, addr string, kind byte, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	tc, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	tc.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := tc.Write([]byte{kind}); err != nil {
		tc.Close()
		return nil, err
	}
	tc.SetWriteDeadline(time.Time{})
	return tc, nil
}

func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return dialKind(s.tls, string(addr), connRaft, timeout)
}

func (s *streamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-s.raftConns:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

func (s *streamLayer) Close() error {
	select {
	case <-s.closed:
		return nil
	default:
	}
	close(s.closed)
	return s.ln.Close()
}

func (s *streamLayer) Addr() net.Addr { return s.advertise }
