/** The shells `agentctl completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * Each script asks the installed agentctl for candidates (`agentctl __complete -- WORDS…`, one
 * `value<TAB>description` per line), so commands, flags and agent names are never stale.
 */
export function completionScript(shell: Shell, bin = 'agentctl'): string {
  switch (shell) {
    case 'bash':
      return `# bash completion for ${bin}
# Install: ${bin} completion bash > ~/.local/share/bash-completion/completions/${bin}
_${bin}_completion() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" line
  local -a candidates=()
  while IFS= read -r line; do
    candidates+=("\${line%%$'\\t'*}")
  done < <(${bin} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  COMPREPLY=()
  for line in "\${candidates[@]}"; do
    [[ "$line" == "$cur"* ]] && COMPREPLY+=("$line")
  done
}
complete -o default -F _${bin}_completion ${bin}
`;
    case 'zsh':
      return `#compdef ${bin}
# zsh completion for ${bin}
# Install: ${bin} completion zsh > "\${fpath[1]}/_${bin}"
_${bin}() {
  local -a candidates
  local line
  for line in "\${(@f)$(${bin} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}"; do
    [[ -n "$line" ]] || continue
    candidates+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
  done
  _describe '${bin}' candidates
}
if [[ "\${funcstack[1]}" == "_${bin}" ]]; then
  _${bin} "$@"
else
  compdef _${bin} ${bin}
fi
`;
    case 'fish':
      return `# fish completion for ${bin}
# Install: ${bin} completion fish > ~/.config/fish/completions/${bin}.fish
function __${bin}_complete
    set -l tokens (commandline -opc)
    ${bin} __complete -- $tokens[2..-1] (commandline -ct | string collect) 2>/dev/null
end
complete -c ${bin} -f -a '(__${bin}_complete)'
`;
  }
}
