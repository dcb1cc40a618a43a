import { describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/labels.js';
import { getRecordedImage } from './recorded-image.js';

const id = `sha256:${'a'.repeat(64)}`;
const digest = `sha256:${'b'.repeat(64)}`;

describe('start --json lacked the image source and digest (an agent started again: from its labels)', () => {
  it('reports the source and the registry digest recorded at creation', () => {
    expect(
      getRecordedImage({ image: id, labels: { [LABELS.imageSource]: 'pulled', [LABELS.imageDigest]: digest } }),
    ).toEqual({ imageSource: 'pulled', imageDigest: digest, imageId: id });
  });

  it('an image without a digest recorded its id there: no digest, not the id twice', () => {
    expect(
      getRecordedImage({ image: id, labels: { [LABELS.imageSource]: 'local', [LABELS.imageDigest]: id } }),
    ).toEqual({ imageSource: 'local', imageDigest: null, imageId: id });
  });

  it("Podman's config names the image by reference: the id comes from the inspect's Image", () => {
    expect(
      getRecordedImage({ image: 'localhost/x:1', raw: { Image: id }, labels: { [LABELS.imageDigest]: digest } }),
    ).toMatchObject({ imageDigest: digest, imageId: id });
  });

  it('a backend without image ids (a cluster), or an agent from before the labels', () => {
    expect(getRecordedImage({ image: 'registry.example/agent:1', labels: {} })).toEqual({
      imageSource: null,
      imageDigest: null,
      imageId: null,
    });
  });
});
