package dev.pretrain.batch.dedup.near;

/**
 * Connected components of the "near-duplicate of" relation over documents numbered 0..n-1
 * (union-find with union by size and path halving). Similarity is not transitive: a component may
 * join A and C through B although A and C differ more than the threshold allows; the keep rule keeps
 * one document per component and records, for every other one, the member it was linked to and how
 * similar they were.
 */
public final class DuplicateClusters {

  private final int[] parent;
  private final int[] size;
  private int components;

  public DuplicateClusters(int documents) {
    parent = new int[documents];
    size = new int[documents];
    for (int i = 0; i < documents; i++) {
      parent[i] = i;
      size[i] = 1;
    }
    components = documents;
  }

  /** The representative of {@code x}'s component. */
  public int find(int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  /** Joins the components of {@code x} and {@code y}; true when they were apart. */
  public boolean union(int x, int y) {
    int rx = find(x);
    int ry = find(y);
    if (rx == ry) {
      return false;
    }
    if (size[rx] < size[ry]) {
      int t = rx;
      rx = ry;
      ry = t;
    }
    parent[ry] = rx;
    size[rx] += size[ry];
    components--;
    return true;
  }

  public int components() {
    return components;
  }

  public int sizeOf(int x) {
    return size[find(x)];
  }
}
