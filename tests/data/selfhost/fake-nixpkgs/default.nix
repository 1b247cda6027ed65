# A stand-in for nixpkgs with just what image.nix uses.
{ system ? "x86_64-linux" }:
let
  lower = s: builtins.replaceStrings
    [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ]
    [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ] s;
  split = sep: s: builtins.filter builtins.isString (builtins.split "[.]" s);
  pkg = name: { inherit name system; };
in {
  lib = { toLower = lower; splitString = split; };
  python311Packages = { ansible-core = pkg "python311Packages.ansible-core"; };
  bashInteractive = pkg "bashInteractive";
  _1password = pkg "_1password";
  jq = pkg "jq";
  awscli2 = pkg "awscli2"; openstackclient = pkg "openstackclient"; busybox = pkg "busybox";
  cacert = pkg "cacert"; coreutils = pkg "coreutils"; iana-etc = pkg "iana-etc"; moreutils = pkg "moreutils"; nano = pkg "nano";
  dockerTools.buildLayeredImage = args: { type = "image"; inherit (args) name tag contents; cmd = args.config.Cmd; };
  buildEnv = args: { inherit (args) name paths; };
}
