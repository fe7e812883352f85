// Command hello is the example service: an HTTP server that greets, reports the version
// it was built with, and checks its own health (scratch images have no curl).
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"example.com/greeting"
)

// version is set at build time: go build -ldflags "-X main.version=$VERSION".
var version = "dev"

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	health := flag.Bool("health", false, "probe the running server's /healthz and exit 0 when it answers 200")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	switch {
	case *showVersion:
		fmt.Println(version)
		return
	case *health:
		os.Exit(probe("http://127.0.0.1" + *addr + "/healthz"))
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, version) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting.Hello(r.URL.Query().Get("name")))
	})
	fmt.Printf("hello %s listening on %s\n", version, *addr)
	if err := http.ListenAndServe(*addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func probe(url string) int {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "status", resp.StatusCode)
		return 1
	}
	return 0
}
