# bash completion for gcat: generated from cmd/gcat/optiontable.go and
# completion.go by "make docs"; edit those, not this file.

_gcat() {
    local cur=${COMP_WORDS[COMP_CWORD]} opt=${COMP_WORDS[COMP_CWORD-1]}
    # "--opt=value": bash splits at "=" (COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $opt == = ]]; then
        opt=${COMP_WORDS[COMP_CWORD-2]}
    fi
    case $opt in
    -e|--exec|-c|--sh-exec)
        if [[ $cur == */* ]]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
        else
            COMPREPLY=($(compgen -c -- "$cur"))
        fi
        return ;;
    --lua-exec|-o|--output|-x|--hex-dump|--allowfile|--denyfile|--ssl-cert|--ssl-key|--ssl-trustfile)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return ;;
    -p|--source-port|-s|--source|-w|--wait|-g|-G|-q|--linger|-i|--idle-timeout|-d|--delay|-m|--max-conns|--allow|--deny|--handshake-timeout|--rate|--rate-in|--rate-out|--proxy|--proxy-auth|--ssl-ciphers|--ssl-servername|--ssl-alpn)
        return ;;
    --proxy-type)
        COMPREPLY=($(compgen -W 'http socks4 socks5' -- "$cur"))
        return ;;
    --proxy-dns)
        COMPREPLY=($(compgen -W 'local remote both none' -- "$cur"))
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--allow --allowfile --append-output --broker --chat --crlf --delay --deny --denyfile --exec --handshake-timeout --help --hex-dump --idle-timeout --inetd --ipv4 --ipv6 --keep-open --linger --listen --lua-exec --max-conns --no-shutdown --nodns --output --progress --proxy --proxy-auth --proxy-dns --proxy-type --pty --rate --rate-in --rate-out --raw --recv-only --sctp --send-only --sh-exec --source --source-port --ssl --ssl-alpn --ssl-cert --ssl-ciphers --ssl-key --ssl-servername --ssl-trustfile --ssl-verify --telnet --terminal --udp --unixsock --verbose --version --vsock --wait -4 -6 -C -G -T -U -c -d -e -g -h -i -k -l -m -n -o -p -q -s -t -u -v -w -x -z' -- "$cur"))
        return
    fi
    local w
    for w in "${COMP_WORDS[@]}"; do
        if [[ $w == -U || $w == --unixsock || $w == -[!-]*U* ]]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return
        fi
    done
    COMPREPLY=($(compgen -A hostname -- "$cur"))
}
complete -F _gcat gcat
