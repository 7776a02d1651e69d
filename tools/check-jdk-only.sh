#!/usr/bin/env bash
# Proves the per-platform jar needs nothing but a JDK: a minimal Debian (debootstrap minbase)
# with the JDK copied in and libstdc++/libgcc_s removed loads the jar and runs an op.
# Needs root and the Debian mirror. Usage: tools/check-jdk-only.sh [ROOTFS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-/tmp/nabla-jdk-only}
JDK=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
[ -d "$R/usr" ] || debootstrap --variant=minbase bookworm "$R" http://deb.debian.org/debian
mkdir -p "$R/opt/jdk" "$R/app"
cp -a "$JDK/." "$R/opt/jdk/"
cp bindings/target/nabla-bindings-*.jar ~/.m2/repository/org/bytedeco/javacpp/1.5.13/javacpp-1.5.13.jar "$R/app/"
cp tools/JdkOnlySmoke.java "$R/app/"
mountpoint -q "$R/proc" || mount -t proc proc "$R/proc"
rm -f "$R"/usr/lib/x86_64-linux-gnu/libstdc++* "$R"/usr/lib/x86_64-linux-gnu/libgcc_s*
chroot "$R" /bin/bash -c 'rm -rf /tmp/jcache && cd /app && /opt/jdk/bin/java --enable-native-access=ALL-UNNAMED \
  -Dorg.bytedeco.javacpp.cachedir=/tmp/jcache -cp "/app/*" JdkOnlySmoke.java'
