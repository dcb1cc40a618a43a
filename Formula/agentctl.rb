class Agentctl < Formula
  desc "Run AI coding agents in hardened containers on Docker or Podman"
  homepage "https://github.com/agentctl/agentctl"
  url "https://github.com/agentctl/agentctl/releases/download/v0.1.0/agentctl-0.1.0.tgz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"

  depends_on "node"

  def install
    system "npm", "install", *std_npm_args
    bin.install_symlink libexec.glob("bin/*")
    generate_completions_from_executable(bin/"agentctl", "completion")
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/agentctl --version")

    # No engine runs in the test sandbox: `version` still reports the CLI and its pinned image.
    report = JSON.parse(shell_output("#{bin}/agentctl version --json"))
    assert_equal version.to_s, report["cli"]["version"]
    assert_equal "0.1.0", report["image"]["tag"]

    assert_match "_agentctl_completion", shell_output("#{bin}/agentctl completion bash")
  end
end
