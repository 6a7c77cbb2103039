import { describe, expect, it } from 'vitest';
import { isInferenceRequest, modelOfUrl } from '../../../src/gateway/http/early-shed.ts';

describe('the early shed applies to inference requests only', () => {
  it.each([
    ['POST', '/v1/predict', true],
    ['POST', '/v1/models/fraud/predict', true],
    ['POST', '/v2/models/fraud/infer', true],
    ['POST', '/v2/models/fraud/versions/v2/infer', true],
    ['GET', '/v2/models/fraud', false],
    ['GET', '/healthz', false],
    ['GET', '/metrics', false],
    ['POST', '/admin/models/fraud/weights', false],
    ['PUT', '/admin/faults', false],
  ])('%s %s -> %s', (method, url, expected) => {
    expect(isInferenceRequest(method, url)).toBe(expected);
  });

  it('names the model from the path, so a shed request is counted under it', () => {
    expect(modelOfUrl('/v1/models/fraud/predict')).toBe('fraud');
    expect(modelOfUrl('/v2/models/fraud%2Dx/versions/v1/infer')).toBe('fraud-x');
    expect(modelOfUrl('/v1/predict')).toBeUndefined();
    expect(modelOfUrl('/v1/models/%zz/predict')).toBe('%zz');
  });
});
