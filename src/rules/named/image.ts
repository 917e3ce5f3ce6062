import type { NamedPredicate } from '../named-predicates';

/** `registry/repo:tag@sha256:digest`, split. The tag is absent for `repo` and `repo@sha256:…`. */
export function parseImageRef(ref: string): { repository: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = ref.split('@', 2);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Predicates on container image references (Talos installer and component images). */
export const IMAGE_PREDICATES: Record<string, NamedPredicate> = {
  unpinnedImage: {
    description: 'an image reference with no tag, or the tag `latest`, and no digest',
    test: (value) => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      const ref = parseImageRef(value.trim());
      return !ref.digest && (!ref.tag || ref.tag === 'latest');
    },
  },
  imageWithoutDigest: {
    description: 'an image reference pinned by a version tag but not by a digest',
    test: (value) => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      const ref = parseImageRef(value.trim());
      return !ref.digest && ref.tag !== undefined && ref.tag !== 'latest';
    },
  },
};
