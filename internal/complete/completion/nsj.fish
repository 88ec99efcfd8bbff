# fish completion for nsj: put it in ~/.config/fish/completions/nsj.fish
# (make install puts it in /etc/fish/completions, or in
# /usr/share/fish/vendor_completions.d for PREFIX=/usr, for all users). The candidates come from
# `nsj --complete`.
function __nsj_complete
	set -l words (commandline -opc) (commandline -ct)
	set -l out (nsj --complete -- $words[2..-1] 2>/dev/null)
	switch "$out[1]"
		case __files__
			__fish_complete_path (commandline -ct)
		case __dirs__
			__fish_complete_directories (commandline -ct)
		case __commands__
			complete -C (commandline -ct)
		case '*'
			printf '%s\n' $out
	end
end
complete -c nsj -f -a '(__nsj_complete)'
