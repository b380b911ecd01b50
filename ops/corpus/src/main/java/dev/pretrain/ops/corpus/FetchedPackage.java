package dev.pretrain.ops.corpus;

import java.nio.file.Path;
import java.util.Map;

/**
 * A package archive in the download cache, verified against its registry's checksum.
 *
 * @param md5sums per-file MD5 from the .deb's DEBIAN/md5sums (paths without leading slash); null for npm
 * @param packageLicense the license the package itself declares (npm package.json); null if none
 * @param fromCache true if the archive came from the local download cache, not the registry
 */
record FetchedPackage(
    String registry, String packageName, String version, String checksumAlgo, String checksum, Path archive,
    Map<String, String> md5sums, String packageLicense, boolean fromCache) {}
